/** Finding merchant links and noticing new ones without polling. */

// `a` matches SVG <a> elements too; their href attribute is read as a string by decorateLink.
export const LINKS = 'a[href]';

/** Calls `visit` for every link in `root`, and returns how many calls answered true. */
export function eachLink(root: ParentNode, visit: (a: Element) => unknown): number {
  let count = 0;
  root.querySelectorAll(LINKS).forEach((a) => {
    if (visit(a)) count++;
  });
  return count;
}

/**
 * Calls `visit` for links added to the document later and for links whose href changes (single-page
 * apps re-render them). A MutationObserver reports in a microtask, before the browser paints or a
 * user can click, and costs nothing while the page is idle.
 */
export function watchLinks(visit: (a: Element) => unknown): void {
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'attributes') visit(record.target as Element);
      else
        record.addedNodes.forEach((node) => {
          if (node.nodeType !== 1) return;
          if ((node as Element).matches(LINKS)) visit(node as Element);
          eachLink(node as Element, visit);
        });
    }
  }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['href'] });
}
