/** Finding merchant links and noticing new ones without polling. */
import { safe } from './log.js';

// `a` matches SVG <a> elements too; their href attribute is read as a string by decorateLink.
export const LINKS = 'a[href]';

/** Calls `visit` for every link in `root`, and returns how many calls answered true. */
export const eachLink = (root: ParentNode, visit: (a: Element) => unknown): number => {
  let count = 0;
  root.querySelectorAll(LINKS).forEach((a) => {
    if (visit(a)) count++;
  });
  return count;
};

/**
 * Calls `visit` for links added to the document later and for links whose href changes (single-page
 * apps re-render them). A MutationObserver reports in a microtask, before the browser paints or a
 * user can click, and costs nothing while the page is idle. Each batch rescans every changed element
 * once (a link whose href changed, or an element that gained children), however many records it had.
 */
export const watchLinks = (visit: (a: Element) => unknown): void =>
  new MutationObserver(
    safe((records: MutationRecord[]) =>
      new Set(records.map((record) => record.target as Element)).forEach((target) => {
        if (target.matches(LINKS)) visit(target);
        eachLink(target, visit);
      }),
    ),
  ).observe(document.documentElement, { childList: true, subtree: true, attributeFilter: ['href'] });
