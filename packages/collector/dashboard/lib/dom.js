// A few DOM helpers. Text always goes in through textContent, never innerHTML: order IDs, tags
// and page URLs come from the outside world.

/**
 * `h('td', {className: 'num', dataset: {testid: 'x'}}, 'text', node)`. Props are set as
 * properties, except `aria-*`, `role` and `dataset`, which are attributes.
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name === 'role' || name.startsWith('aria-')) node.setAttribute(name, String(value));
    else node[name] = value;
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

/** `document.getElementById` that fails loudly when the page and the script disagree. */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`The dashboard page has no #${id}`);
  return node;
}

/** A table body row spanning every column, for "nothing here" and "loading". */
export function messageRow(columns, text) {
  return h('tr', { className: 'empty' }, h('td', { colSpan: columns }, h('div', { className: 'message', textContent: text })));
}
