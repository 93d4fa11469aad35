/**
 * A source page as the collector keeps it: origin + path (SPEC §4.1, §6). A query or fragment is
 * dropped: they can carry personal data (e-mail addresses, tokens) and would split one page into
 * many rows of the page breakdown. Null for anything but an absolute http(s) URL.
 */
export function sourcePage(value: string): string | null {
  if (!/^https?:\/\//i.test(value)) return null;
  try {
    const url = new URL(value);
    return url.origin + url.pathname;
  } catch {
    return null;
  }
}
