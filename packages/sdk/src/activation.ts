import { addParam } from './url.js';
import { LINKS } from './links.js';
import { safe } from './log.js';
import { emit, publisher, visit } from './state.js';
import { uuid } from './uuid.js';

/** How a link was opened (the click event's `via`). */
export type Via = 'click' | 'middle' | 'keyboard' | 'contextmenu' | 'touch';

/**
 * A link activation that was not cancelled (a `click` event): `id` is the click ID the link carried,
 * `url` where it went (a `URL` goes out as its href: `toJSON`), `sub` the publisher's label for it.
 * The integrity signals (SPEC §10) say how real the click looked; the collector never flags one
 * that is missing (an older SDK, a browser without `isTrusted`).
 */
export type Activation = {
  type: 'click';
  id: string;
  tag: string;
  url: string | URL;
  via: Via;
  /** `event.isTrusted`: false for a script's `el.click()` or `dispatchEvent`. */
  trusted: boolean;
  /** The page was not hidden and its viewport at least 10×10 px (a hidden iframe is not hidden). */
  visible: boolean;
  /** The page runs in a frame. */
  framed: boolean;
  /** Whole ms from the page's time origin (navigation start) to the activation. */
  dwell: number;
  sub?: string | undefined;
};

export const CLICK_ID_PARAM = 'affil_cid';

/**
 * How long the click ID stays on a link after its context menu opened. Chromium and Firefox take the
 * link URL when the menu opens, Safari when an item is chosen; 10 s covers a deliberate choice, and
 * then the visible link carries only the tag again so later copies do not reuse the click ID.
 */
export const CONTEXT_MENU_HOLD_MS = 10_000;

/** One activation of a link (`click`, `auxclick`, `contextmenu`): see `watchActivations`. */
// safe(): never break the host page's clicks over tracking.
const onActivation = safe((e: MouseEvent): void => {
  // How the link was opened, or nothing when the event opens no link (e.g. a right-button auxclick).
  const via: Via | false =
    e.type == 'click'
      ? // Keyboard activation (Enter) dispatches a click without mouse presses: detail 0.
        !e.button && ((e as PointerEvent).pointerType == 'touch' ? 'touch' : e.detail ? 'click' : 'keyboard')
      : e.type == 'auxclick'
        ? e.button == 1 && 'middle'
        : 'contextmenu';
  // (A target outside elements, e.g. the document, throws here: safe() ends it quietly.)
  const a = via && (e.target as Element).closest(LINKS);
  const tag = a && visit(a);
  if (!tag) return;
  // The href as it was, restored afterwards. A click ID an earlier activation left (context menu
  // hold) is replaced in place; that activation's timer cleans up.
  const href = a.getAttribute('href')!;
  const id = uuid();
  const marked = addParam(href.trimEnd(), CLICK_ID_PARAM, id); // (see decorateLink)
  a.setAttribute('href', marked);
  // Timers run once dispatch is over: the browser has read the href, page handlers have run.
  setTimeout(() => {
    if (!e.defaultPrevented)
      emit({
        type: 'click',
        id,
        tag,
        url: new URL(marked, document.baseURI),
        via: via!,
        trusted: e.isTrusted,
        visible: !document.hidden && innerWidth > 9 && innerHeight > 9,
        // Comparing window proxies is allowed across origins: no guard needed in a foreign frame.
        framed: self != top,
        // The event's own time, from the time origin (DOM: a DOMHighResTimeStamp), not the timer's.
        dwell: e.timeStamp | 0,
        // As the page gave it: the collector checks it (`validSub`) and drops an invalid one, keeping
        // the click (SPEC §10), as it must for `/go` links anyway.
        sub: (a as HTMLElement).dataset.affilSub ?? publisher!.sub,
      });
  });
  // Restore only if the page did not change the link meanwhile.
  setTimeout(
    () => a.getAttribute('href') == marked && a.setAttribute('href', href),
    // (false waits 0 ms: a timer's delay is a number.)
    (via == 'contextmenu' && CONTEXT_MENU_HOLD_MS) as number,
  );
}) as EventListener;

/**
 * Gives each activated affiliate link a fresh click ID for the navigation it starts. Listens on the
 * window in the capture phase, so the ID is on the href before any page handler runs and before the
 * browser reads the href, which it does after dispatch; nothing here delays or cancels navigation.
 * Once dispatch is over (a timer) we know whether the page cancelled it: then nothing is reported
 * (`emit`). `visit` gives the tag a link carries for us, or undefined for links that are not ours;
 * the page's sub-ID (`init`'s `sub`) is replaced by a link's own `data-affil-sub`; either is sent as
 * given (the collector drops an invalid one and keeps the click).
 */
export const watchActivations = (): unknown =>
  ['click', 'auxclick', 'contextmenu'].map((type) => addEventListener(type, onActivation, true));
