import { createIsbotFromList, list } from 'isbot';

/**
 * Patterns of isbot's list that we deliberately drop:
 * - `headless`: headless Chromium is how publishers, merchants and CI test their integration
 *   end to end; flagging it would make every such test report "no sale".
 * - the generic "Name/1.0" pattern and `node`: they match server-side HTTP clients (Node's fetch
 *   sends `node`/`undici`), which is how merchants' and our own integration tests post beacons.
 * Declared crawlers, spiders, link previewers, monitors and tools like curl stay flagged.
 */
const TOLERATED = new Set(['headless', 'node\\b']);
const patterns = list.filter((p) => !TOLERATED.has(p) && !p.startsWith('^[\\w \\.\\-\\(?:\\):%]+'));
const matchesBot = createIsbotFromList(patterns);

/** Verdicts by user agent: the same few hundred agents send nearly all beacons, and the list is one large regex. */
const verdicts = new Map<string, boolean>();
const MAX_CACHED = 2000;

/** True when the user agent declares an automated client whose clicks must never be credited. */
export function isBotUserAgent(userAgent: string | undefined): boolean {
  if (!userAgent) return false; // nothing to go on; rate limits and review handle abuse
  let bot = verdicts.get(userAgent);
  if (bot === undefined) {
    bot = matchesBot(userAgent);
    if (verdicts.size >= MAX_CACHED) verdicts.delete(verdicts.keys().next().value!);
    verdicts.set(userAgent, bot);
  }
  return bot;
}
