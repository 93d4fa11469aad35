/**
 * The publisher's state on this page: the setup of the last `init` and the site's consent answer,
 * with the two things done with them everywhere (decorating a link, sending an event). `publisher.ts`
 * sets it; the link watcher and the activation listener read it here directly rather than being
 * handed callbacks: a function that takes arguments and holds a closure stays wrapped in the bundle
 * (`((e,n)=>{…})(a,b)`), one without arguments is inlined, and the bundle's size budget counts every byte.
 */
import { send } from './transport.js';
import { decorateLink, type Decoration } from './decorate.js';
import { session } from './session.js';
import type { InitOptions, Program } from './config.js';
import { optedOut } from './consent.js';

/** The publisher's setup on this page, from the last `init`: program, options and main tag. */
export type Publisher = InitOptions & Program & Decoration & { tag: string };

export let publisher: Publisher | undefined;
// The site's `Affil.consent()` answer; it outlives later init() calls (the stub may replay it first).
export let answer: boolean | undefined;

export const setPublisher = (setup: Publisher): Publisher => (publisher = setup);

export const setAnswer = (given: boolean): boolean => (answer = given);

/** Decorates one link; its tag when it is an affiliate link of ours (for counting and clicks). */
export const visit = (a: Element): string | false | undefined => publisher && decorateLink(a, publisher);

/** Sends an event with the page, session and time; true when tracking allowed it. */
export const emit = (event: Record<string, unknown> & { type: string; id: string }, at = Date.now()): true | undefined => {
  // Events may be sent when the reader did not opt out and consent is not pending (or the site's
  // `Affil.consent(true)`, `answer`, granted it). Only called once init() ran.
  const endpoint = publisher!.endpoint;
  if (endpoint && !optedOut(publisher!, answer) && (answer || publisher!.consent != 'pending')) {
    const full = { ...event, page: location.origin + location.pathname, session: session(at), at };
    send(endpoint, full);
    return true;
  }
};
