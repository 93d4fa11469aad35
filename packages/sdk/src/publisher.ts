import { program, type InitOptions } from './config.js';
import { setConsent, setPrivacy, tracking } from './consent.js';
import { decorateLink, type Decoration, type LinkReport } from './decorate.js';
import { eachLink, watchLinks } from './links.js';
import { watchActivations, type Activation } from './activation.js';
import { endSession, session } from './session.js';
import { clearQueue, flush, send, type TrackingEvent } from './transport.js';
import { uuid } from './uuid.js';
import { log, safe, setDebug, warn } from './log.js';

/** The publisher's setup on this page, from the last `init`. */
type Publisher = ReturnType<typeof program<InitOptions>> & Decoration & { tag: string };

let publisher: Publisher | undefined;
let watching = false;
let viewed = false;

/**
 * The first tag the program cannot accept, if any: one failing the tag pattern, a main tag whose
 * suffix is no marketplace's, or a per-marketplace tag without its marketplace's suffix.
 */
function unacceptableTag({ tag, tags = {}, tagPattern, marketplaces }: Publisher): string | undefined {
  const pattern = new RegExp(tagPattern);
  return [['', tag], ...Object.entries(tags)].find(
    ([id, t]) => !pattern.test(t!) || !marketplaces.some((m) => (!id || m.id === id) && t!.endsWith(m.tagSuffix)),
  )?.[1];
}

/** Decorates one link; its tag when it is an affiliate link of ours (for counting and clicks). */
const visit = (a: Element): string | undefined => (publisher ? decorateLink(a, publisher)?.tag : undefined);

function emit(event: TrackingEvent): void {
  const endpoint = publisher?.endpoint;
  if (!endpoint || !tracking()) return;
  const full = { ...event, page: location.origin + location.pathname, session: session(), at: Date.now() };
  log('send', full);
  send(endpoint, [full]);
}

/** The one pageview of this page load, once the document is parsed and tracking is allowed. */
function pageview(): void {
  if (viewed || !publisher?.endpoint || !tracking() || document.readyState === 'loading') return;
  viewed = true;
  flush(publisher.endpoint);
  emit({ type: 'pageview', id: uuid(), tag: publisher.tag, links: eachLink(document, visit) });
}

const click = (activation: Activation): void => emit({ type: 'click', ...activation });

/** Starts (or re-configures) the publisher SDK on this page. */
export function init(tag: string, options: InitOptions = {}): void {
  const p = program(options);
  setDebug(p.debug);
  setPrivacy(p);
  if (!p.marketplaces) return warn('no marketplaces: load affil.js from the collector');
  const next: Publisher = { ...p, marketplaces: p.marketplaces, tag, tagFor: () => undefined };
  const bad = unacceptableTag(next);
  if (bad !== undefined) warn(`tag "${bad}" does not fit this program: no link decorated`);
  else next.tagFor = (m) => p.tags?.[m.id] ?? (tag.endsWith(m.tagSuffix) ? tag : undefined);
  publisher = next;
  if (!watching) {
    watching = true;
    watchLinks(visit);
    watchActivations(visit, click);
    addEventListener('DOMContentLoaded', safe(pageview));
  }
  log('init', next, eachLink(document, visit));
  pageview();
}

/** One report per merchant link on the page. */
export function audit(): LinkReport[] {
  const reports: LinkReport[] = [];
  eachLink(document, (a) => {
    const r = publisher && decorateLink(a, publisher);
    if (r) reports.push({ href: r.href, marketplace: r.marketplace, status: r.status });
  });
  return reports;
}

/** The site's consent answer for `consent: 'pending'`; `false` also forgets what was stored. */
export function consent(granted: boolean): void {
  setConsent(granted);
  if (granted) return pageview();
  endSession();
  clearQueue();
}
