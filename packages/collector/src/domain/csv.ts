/**
 * CSV for files the domain writes (payout batches, statements). The same guard as
 * `http/csv.ts` (copied, not imported: the domain does not depend on the HTTP layer): a cell a
 * spreadsheet would run as a formula gets a leading apostrophe; plain numbers stay numbers.
 */
const FORMULA = /^[\s\u00a0\ufeff]*[=+\-@]|^[\t\r\n]/;

/** A cell value safe to open in a spreadsheet. */
export function neutraliseCell(s: string): string {
  return FORMULA.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
}

/** One RFC 4180 record (no line ending). */
export function csvRecord(cells: readonly (string | number | null | undefined)[]): string {
  return cells
    .map((v) => {
      const safe = neutraliseCell(v === null || v === undefined ? '' : String(v));
      return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
    })
    .join(',');
}

/** Records joined with CRLF, ending with one. */
export function csvLines(records: readonly (readonly (string | number | null | undefined)[])[]): string {
  return records.map(csvRecord).join('\r\n') + (records.length > 0 ? '\r\n' : '');
}
