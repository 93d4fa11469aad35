/**
 * Spreadsheets run a cell as a formula when it starts with = + - @ (or a tab or line break), and
 * some skip leading spaces and line breaks first, so those are looked past too. Plain numbers
 * (-12.5) stay numbers.
 */
export const FORMULA = /^[\s\u00a0\ufeff]*[=+\-@]|^[\t\r\n]/;

/** A cell value safe to open in a spreadsheet: a formula-like text gets a leading apostrophe. */
export function neutralise(s: string): string {
  return FORMULA.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
}

/** RFC 4180 CSV; the header is every key any row has, in first-seen order. */
export function toCsv(rows: readonly Record<string, unknown>[]): string {
  const header = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => {
    const safe = neutralise(v === null || v === undefined ? '' : String(v));
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return [header.join(','), ...rows.map((r) => header.map((h) => cell(r[h])).join(','))].join('\r\n') + '\r\n';
}
