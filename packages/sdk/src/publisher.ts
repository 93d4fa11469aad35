import { embeddedProgram, type InitOptions, type Program } from './config.js';
import { setConsent, tracking } from './consent.js';
import { decorateLink, type Decoration, type LinkReport } from './decorate.js';
import { eachLink, watchLinks } from './links.js';
import { watchActivations, type Activation } from './activation.js';
import { session } from './session.js';
import { send, type TrackingEvent } from './transport.js';
import { uuid } from './uuid.js';
import { log, safe, setDebug, warn } from './log.js';

/** The publisher's setup on this page, from the last `init`: program, options and main tag. */
type Publisher = InitOptions & Program & Decoration & { tag: string };

let publisher: Publisher | undefined;
let viewed: boolean | undefined;

/** Decorates one link; its tag when it is an affiliate link of ours (for counting and clicks). */
const visit = (a: Element): string | undefined => publisher && decorateLink(a, publisher)?.[1];

/** Sends an event with the page, session and time; true when tracking allowed it. */
const emit = (event: TrackingEvent, at = Date.now()): true | undefined => {
  const endpoint = publisher?.endpoint;
  if (endpoint && tracking(publisher!)) {
    const full = { ...event, page: location.origin + location.pathname, session: session(at), at };
    log(full);
    send(endpoint, JSON.stringify(full));
    return true;
  }
};

/** Decorates every link on the page; the number of affiliate links. */
const scan = (): number => eachLink(document, visit);

/** The one pageview of this page load (`links` affiliate links), once the document is parsed and tracking is allowed. */
const pageview = (links: number): void => {
  if (!viewed && document.readyState != 'loading') viewed = emit({ type: 'pageview', id: uuid(), tag: publisher?.tag, links });
};

const click = (activation: Activation): unknown => emit({ type: 'click', ...activation });

/** Starts (or re-configures) the publisher SDK on this page. */
export const init = (tag: string, options: InitOptions = {}): void => {
  const p = { ...embeddedProgram(), ...options, tag } as Publisher;
  setDebug(p.debug);
  if (!p.marketplaces) return warn('no program');
  const pattern = new RegExp(p.tagPattern);
  let warned = false;
  p.tagFor = (m) => {
    const given = p.tags?.[m.id];
    const t = given ?? tag;
    if (pattern.test(t) && t.endsWith(m.tagSuffix)) return t;
    // The main tag simply does not serve marketplaces with another suffix; anything else is a
    // mistake: the tag decorates nothing, and the console says why, once (not once per link).
    if (!warned && (given != undefined || !pattern.test(t))) {
      warned = true;
      warn(`invalid tag "${t}"`);
    }
    return undefined;
  };
  if (!publisher) {
    watchLinks(visit);
    watchActivations(visit, click);
    addEventListener('DOMContentLoaded', safe(() => pageview(scan())));
  }
  publisher = p;
  pageview(scan());
};

/** One report per merchant link on the page. */
export const audit = (): LinkReport[] => {
  const reports: LinkReport[] = [];
  eachLink(document, (a) => {
    const r = publisher && decorateLink(a, publisher);
    if (r) reports.push(r[0]);
  });
  return reports;
};

/** The site's answer for `consent: 'pending'`: `true` starts sending, `false` stops it again. */
export const consent = (granted: boolean): void => {
  setConsent(granted);
  pageview(scan());
};
