// The link builder, for places where no script runs (video descriptions, e-mail, social posts):
// a merchant URL and one of your tags in; out, the direct link, decorated exactly as the SDK
// decorates links, and the collector's `/go` link, which counts each click and then redirects.
// The URL logic is the SDK's own (`@affil/sdk/url`, served as /dashboard/vendor/affil-url.js); the
// program's marketplaces come from /dashboard/program.json, the tags from GET /v1/tags.
import { decorateHref, findMarketplace, removeParam, validSub } from '../vendor/affil-url.js';
import { h } from './dom.js';

/** What no `/go` destination may carry (the collector refuses it too): whitespace, controls, backslashes. */
const UNSAFE = /[\u0000-\u0020\u007f-\u009f\\\u2028\u2029]/;
const MAX_URL = 4096;

/** A tag for `marketplace`: `current` when it is one, else the first of the same account, else any. */
export function tagFor(marketplace, tags, current) {
  const fits = tags.filter((t) => t.marketplace === marketplace);
  const now = tags.find((t) => t.tag === current);
  return (now?.marketplace === marketplace ? now : fits.find((t) => t.account === now?.account) ?? fits[0])?.tag;
}

/**
 * The links for a merchant `url` and `tag` (with an optional `source`, the page where the link will
 * be posted: reports group clicks by it, and an optional `sub`, the publisher's sub-ID for the
 * link's clicks: 1–64 of `A-Za-z0-9._-`, `by=sub` in reports), or what is wrong, naming the field: `{links: {direct, go,
 * marketplace}}` or `{error, field}`; `{}` while the URL is empty. `origin` is the collector's.
 */
export function buildLinks({ url, tag, source, sub = '' }, { marketplaces, tags, origin }) {
  const raw = url.trim();
  if (!raw) return {};
  const wrong = (field, error) => ({ field, error });
  if (raw.length > MAX_URL) return wrong('url', `The URL is longer than ${MAX_URL} characters.`);
  if (UNSAFE.test(raw)) return wrong('url', 'The URL contains spaces, control characters or backslashes.');
  if (!/^https?:\/\/[^/]/i.test(raw)) return wrong('url', 'Paste the full address of the product page, starting with https://');
  let parsed;
  try {
    parsed = new URL(raw);
  } catch {
    return wrong('url', 'That is not a valid URL.');
  }
  if (parsed.username || parsed.password || /^https?:\/\/[^/?#]*@/i.test(raw)) return wrong('url', 'The URL must not carry a user name (user@host).');
  const marketplace = findMarketplace(parsed.hostname, parsed.port, marketplaces);
  if (!marketplace) {
    const hosts = marketplaces.flatMap((m) => m.hosts).join(', ');
    return wrong('url', `${parsed.host} is not a storefront of this program (its storefronts: ${hosts}).`);
  }
  const chosen = tags.find((t) => t.tag === tag);
  if (!chosen) return wrong('tag', tags.length ? 'Pick one of your tags.' : 'There is no tag to pick: register one first.');
  if (chosen.marketplace !== marketplace.id) {
    return wrong('tag', `${tag} is for marketplace ${chosen.marketplace}, this link goes to ${marketplace.id}: it would earn nothing. Pick a ${marketplace.id} tag.`);
  }
  let page = source.trim();
  if (page) {
    // A bare host and path (`youtube.com/@jane`) is taken as https.
    if (!/^[a-z][a-z0-9+.-]*:/i.test(page) && /^[^\s/]+\.[^\s/]+/.test(page)) page = `https://${page}`;
    if (!/^https?:\/\/[^/]/i.test(page) || !URL.canParse(page)) {
      return wrong('source', 'The source is the web address where you will post the link (https://…), or nothing.');
    }
  }
  const label = sub.trim();
  if (label && !validSub(label)) return wrong('sub', 'A sub-ID is at most 64 letters, digits, dots, dashes or underscores.');
  // A click ID copied along with the URL belongs to someone else's click; another affiliate's tag is replaced.
  const clean = removeParam(raw, 'affil_cid');
  const direct = decorateHref(clean, tag, { overrideForeignTags: true }).href;
  const go = `${origin}/go/${encodeURIComponent(tag)}?url=${encodeURIComponent(clean)}${page ? `&page=${encodeURIComponent(page)}` : ''}${label ? `&sub=${label}` : ''}`;
  return { links: { direct, go, marketplace: marketplace.id } };
}

/** Copies `input`'s value; says how it went in `status`. */
async function copy(input, status) {
  try {
    await navigator.clipboard.writeText(input.value);
    status.textContent = 'Copied.';
  } catch {
    // No clipboard access (an http: page on another host, a policy): leave it selected for Ctrl+C.
    input.focus();
    input.select();
    status.textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
  }
}

const field = (id, label, input, hint) =>
  h('div', { className: 'lb-field' }, h('label', { htmlFor: id, textContent: label }), input, hint && h('span', { className: 'muted small', id: `${id}-hint`, textContent: hint }));

function output(id, label, explanation, status) {
  const input = h('input', { id, type: 'text', readOnly: true, spellcheck: false, className: 'mono', dataset: { testid: id } });
  const button = h('button', { type: 'button', className: 'quiet', textContent: 'Copy', disabled: true, 'aria-label': `Copy the ${label.toLowerCase()}`, dataset: { testid: `copy-${id}` } });
  button.addEventListener('click', () => copy(input, status));
  const row = h('div', { className: 'lb-output' }, h('label', { htmlFor: id, textContent: label }), h('div', { className: 'lb-copy' }, input, button), h('span', { className: 'muted small', textContent: explanation }));
  return { row, input, button };
}

/**
 * The link builder inside `root` (an empty panel). `show(api)` loads the program and the key's
 * tags; `hide()` forgets them (signing out).
 */
export function createLinkBuilder(root) {
  const url = h('input', { id: 'lb-url', type: 'url', inputMode: 'url', autocomplete: 'off', spellcheck: false, placeholder: 'https://www.amazon.com/dp/…', dataset: { testid: 'link-url' } });
  const tag = h('select', { id: 'lb-tag', dataset: { testid: 'link-tag' } });
  const source = h('input', { id: 'lb-source', type: 'text', inputMode: 'url', autocomplete: 'off', spellcheck: false, placeholder: 'https://www.youtube.com/@you (optional)', 'aria-describedby': 'lb-source-hint', dataset: { testid: 'link-source' } });
  const sub = h('input', { id: 'lb-sub', type: 'text', autocomplete: 'off', spellcheck: false, maxLength: 64, placeholder: 'video-42 (optional)', 'aria-describedby': 'lb-sub-hint', dataset: { testid: 'link-sub' } });
  const message = h('p', { className: 'lb-message', role: 'status', dataset: { testid: 'link-message' } });
  const copied = h('p', { className: 'muted small lb-copied', role: 'status', dataset: { testid: 'link-copied' } });
  const direct = output('link-direct', 'Direct link', 'Earns when bought through; its clicks are not counted (no script runs where you post it).', copied);
  const go = output('link-go', '/go link', 'Counts each click, then sends the reader to the same page with your tag.', copied);
  root.replaceChildren(
    h('div', { className: 'panel-head' }, h('h2', { id: 'link-builder-title', textContent: 'Link builder' }), h('span', { className: 'muted small', textContent: 'for places where no script runs: videos, e-mail, social posts' })),
    h('form', { className: 'lb-form', noValidate: true },
      field('lb-url', 'Merchant URL', url),
      field('lb-tag', 'Tag', tag),
      field('lb-source', 'Where you will post it', source, 'Reports group clicks by this page.'),
      field('lb-sub', 'Sub-ID', sub, 'Your own label for these clicks; reports group by it.')),
    message, direct.row, go.row, copied,
  );
  root.querySelector('form').addEventListener('submit', (event) => event.preventDefault());

  let state = { marketplaces: [], tags: [], origin: location.origin };

  function render() {
    const result = buildLinks({ url: url.value, tag: tag.value, source: source.value, sub: sub.value }, state);
    for (const [name, input] of [['url', url], ['tag', tag], ['source', source], ['sub', sub]]) input.setAttribute('aria-invalid', String(result.field === name));
    message.textContent = result.error ?? '';
    message.classList.toggle('error', Boolean(result.error));
    direct.input.value = result.links?.direct ?? '';
    go.input.value = result.links?.go ?? '';
    direct.button.disabled = go.button.disabled = !result.links;
    copied.textContent = '';
    root.dataset.marketplace = result.links?.marketplace ?? '';
  }

  // A pasted URL on another storefront picks a tag for it, if there is one.
  url.addEventListener('input', () => {
    try {
      const u = new URL(url.value.trim());
      const m = findMarketplace(u.hostname, u.port, state.marketplaces);
      const pick = m && tagFor(m.id, state.tags, tag.value);
      if (pick) tag.value = pick;
    } catch {
      // Not a URL (yet): render() says so.
    }
    render();
  });
  tag.addEventListener('change', render);
  source.addEventListener('input', render);
  sub.addEventListener('input', render);

  return {
    async show(api) {
      const [program, { tags }] = await Promise.all([
        fetch('/dashboard/program.json', { cache: 'no-store' }).then((res) => (res.ok ? res.json() : Promise.reject(new Error(`The collector answered ${res.status} for the program`)))),
        api.json('/v1/tags'),
      ]);
      state = { marketplaces: program.marketplaces, tags, origin: program.publicUrl ?? location.origin };
      const accounts = new Set(tags.map((t) => t.account));
      tag.replaceChildren(...tags.map((t) => h('option', { value: t.tag, textContent: `${t.tag} (${t.marketplace})${accounts.size > 1 ? ` · ${t.accountName}` : ''}` })));
      render();
    },
    hide() {
      state = { marketplaces: [], tags: [], origin: location.origin };
      tag.replaceChildren();
      url.value = source.value = sub.value = '';
      render();
    },
  };
}
