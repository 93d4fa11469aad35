/** Finding merchant links and noticing new ones without polling. */
import { safe } from './log.js';
import { visit } from './state.js';

// `a` matches SVG <a> elements too; their href attribute is read as a string by decorateLink.
export const LINKS = 'a[href]';

/**
 * Calls `visit` for every link in `root`, in document order; what it answered, falsy answers left
 * out. (Indexed, not iterated: a NodeList's iterator is slow with thousands of links.)
 */
export const eachLink = <R>(root: ParentNode, visit: (a: Element) => R | false | undefined): R[] =>
  ([].map.call(root.querySelectorAll(LINKS), visit) as R[]).filter(Boolean);

/**
 * Decorates (`visit`) links added to the document from now on and for links whose href changes
 * (single-page apps re-render them, frameworks patch attributes). A MutationObserver reports in a
 * microtask, before the browser paints or a user can click, and costs nothing while the page is idle.
 *
 * Started after the first scan of the page, so the many hrefs that scan writes are never reported.
 * (The few the observer itself writes come back once, and then find the link decorated.)
 */
// (The document itself is observed: the whole tree, even a replaced <html>, for fewer bytes than
// `document.documentElement`.)
export const watchLinks = (): void => {
  const observer = new MutationObserver(
    safe((records: MutationRecord[]) => {
      // A changed href: that link. Added nodes: those that are links, and the links in them.
      for (const record of records)
        for (const node of record.attributeName ? [record.target] : record.addedNodes)
          // (Text nodes have neither.)
          if ((node as Element).querySelectorAll) {
            if ((node as Element).matches(LINKS)) visit(node as Element);
            eachLink(node as Element, visit);
          }
    }),
  );
  observer.observe(document, { childList: true, subtree: true, attributeFilter: ['href'] });
};
