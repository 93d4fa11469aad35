/**
 * What a merchant's identifiers may contain (SPEC §4.2). They are kept exactly as sent, so they
 * must be safe to show and to put in a URL path: no control or format characters (NUL, bidi
 * overrides, zero-width marks, lone surrogates, line separators), and for the ones that name a
 * path segment (`orderId`, `lineId`) no `/` or `\`, and not `.` or `..` (which a client resolves
 * away before the request is sent).
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;

/** Why `value` is not printable text, or undefined. */
export function printableProblem(value: string): string | undefined {
  return UNPRINTABLE.test(value) ? 'must be printable text without control or formatting characters' : undefined;
}

/** Why `value` cannot be an identifier that appears as a URL path segment, or undefined. */
export function pathSegmentProblem(value: string): string | undefined {
  if (/[/\\]/.test(value)) return 'must not contain "/" or "\\"';
  if (value === '.' || value === '..') return 'must not be "." or ".."';
  return printableProblem(value);
}
