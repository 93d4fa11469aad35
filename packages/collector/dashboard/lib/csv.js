// RFC 4180 CSV of rows the dashboard already holds, written exactly as the collector writes its
// own (src/http/csv.ts), for a download the API cannot narrow itself (link health by account).

/**
 * A leading = + - @ (after any spaces or line breaks, which some spreadsheets skip) or a leading
 * tab or line break would run as a formula; plain numbers stay as they are.
 */
function cell(value) {
  const s = value === null || value === undefined ? '' : String(value);
  const safe = /^[\s\u00a0\ufeff]*[=+\-@]|^[\t\r\n]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The header is `columns`, in that order; each row's cells follow it. */
export function toCsv(rows, columns) {
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}
