/** A link found in a document, with where it stands. */
export interface FoundLink { href: string; line: number }

/** What a page says about the Affil snippet: the script tag's `data-tag`, if present. */
export interface PageFacts { links: FoundLink[]; snippetTag: string | null; hasSnippet: boolean }

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'", '#x27': "'", '#x2F': '/', '#47': '/' };
const decode = (s: string) => s.replace(/&(#?[a-z0-9]+);/gi, (m, name: string) => ENTITIES[name] ?? ENTITIES[name.toLowerCase()] ?? m);
const lineAt = (text: string, index: number) => {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
};
const attr = (tag: string, name: string): string | null => {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>"']+))`, 'i').exec(tag);
  return m ? decode(m[1] ?? m[2] ?? m[3] ?? '') : null;
};

/**
 * Links in HTML: the `href` of every `<a>` (SVG `<a>` included, and `xlink:href`), entities
 * decoded, relative ones resolved against `base` when given. Comments are skipped.
 */
export function scanHtml(html: string, base?: string): PageFacts {
  const text = html.replace(/<!--[^]*?-->/g, (c) => c.replace(/[^\n]/g, ' '));
  const links: FoundLink[] = [];
  for (const m of text.matchAll(/<a\b[^>]*>/gi)) {
    const raw = attr(m[0], 'href') ?? attr(m[0], 'xlink:href');
    if (raw === null) continue;
    links.push({ href: resolve(raw.trim(), base), line: lineAt(text, m.index) });
  }
  let snippetTag: string | null = null;
  let hasSnippet = false;
  for (const m of text.matchAll(/<script\b[^>]*>/gi)) {
    const src = attr(m[0], 'src');
    if (src && /\/affil\.js(\?|#|$)/.test(src)) {
      hasSnippet = true;
      snippetTag ??= attr(m[0], 'data-tag');
    }
  }
  const init = /Affil\.init\(\s*['"]([^'"]+)['"]/.exec(text);
  if (init) {
    hasSnippet = true;
    snippetTag ??= init[1]!;
  }
  return { links, snippetTag, hasSnippet };
}

/** Links in plain text or Markdown: every absolute http(s) URL. */
export function scanText(text: string): PageFacts {
  const links: FoundLink[] = [];
  for (const m of text.matchAll(/https?:\/\/[^\s<>"'`)\]]+/gi)) {
    links.push({ href: m[0].replace(/[.,;:!?]+$/, ''), line: lineAt(text, m.index) });
  }
  return { links, snippetTag: null, hasSnippet: false };
}

function resolve(href: string, base: string | undefined): string {
  if (!base || /^[a-z][a-z0-9+.-]*:/i.test(href)) return href;
  try {
    return new URL(href, base).href;
  } catch {
    return href; // classified as an invalid URL later, with the text as written
  }
}
