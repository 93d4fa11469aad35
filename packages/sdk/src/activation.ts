import { addParam } from './url.js';
import { LINKS } from './links.js';
import { uuid } from './uuid.js';
import { safe } from './log.js';

/** How a link was opened (the click event's `via`). */
export type Via = 'click' | 'middle' | 'keyboard' | 'contextmenu' | 'touch';

/** A link activation that was not cancelled: `id` is the click ID the link carried, `url` where it went. */
export interface Activation {
  id: string;
  tag: string;
  url: string;
  via: Via;
}

export const CLICK_ID_PARAM = 'affil_cid';

/**
 * How long the click ID stays on a link after its context menu opened. Chromium and Firefox take the
 * link URL when the menu opens, Safari when an item is chosen; 10 s covers a deliberate choice, and
 * then the visible link carries only the tag again so later copies do not reuse the click ID.
 */
export const CONTEXT_MENU_HOLD_MS = 10_000;

/** The `via` of a mouse event, or undefined when it does not open a link (e.g. a right-button auxclick). */
export function viaOf(e: MouseEvent): Via | undefined {
  const { type, button } = e;
  return type === 'contextmenu'
    ? type
    : type === 'auxclick'
      ? button === 1 ? 'middle' : undefined
      : button
        ? undefined
        : // Keyboard activation (Enter) dispatches a click without mouse presses: detail 0.
          (e as PointerEvent).pointerType === 'touch' ? 'touch' : e.detail ? 'click' : 'keyboard';
}

/**
 * Gives each activated affiliate link a fresh click ID for the navigation it starts. Listens on the
 * window in the capture phase, so the ID is on the href before any page handler runs and before the
 * browser reads the href, which it does after dispatch; nothing here delays or cancels navigation.
 * Once dispatch is over (a timer) we know whether the page cancelled it: then nothing is reported.
 * `tagOf` gives the tag a link carries for us, or undefined for links that are not ours.
 */
export function watchActivations(
  tagOf: (a: Element) => string | undefined,
  report: (activation: Activation) => void,
): void {
  const onEvent = (e: MouseEvent): void => {
    const via = viaOf(e);
    const a = via && (e.target as Element | null)?.closest?.(LINKS);
    const tag = a && tagOf(a);
    if (!via || !a || !tag) return;
    // The href as it was: restored afterwards. A click ID an earlier activation left (context menu
    // hold) is replaced in place, and that activation's own timer cleans the href up later.
    const href = a.getAttribute('href')!;
    const id = uuid();
    const marked = addParam(href, CLICK_ID_PARAM, id);
    a.setAttribute('href', marked);
    setTimeout(() => {
      const navigated = !e.defaultPrevented;
      if (navigated) report({ id, tag, url: new URL(marked, document.baseURI).href, via });
      // Restore only if the page did not change the link meanwhile.
      const restore = (): unknown => a.getAttribute('href') === marked && a.setAttribute('href', href);
      if (navigated && via === 'contextmenu') setTimeout(restore, CONTEXT_MENU_HOLD_MS);
      else restore();
    });
  };
  // safe(): never break the host page's clicks over tracking.
  for (const type of ['click', 'auxclick', 'contextmenu']) addEventListener(type, safe(onEvent) as EventListener, true);
}
