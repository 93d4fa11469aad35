// Pure formatting and date helpers: no DOM, no state. Money arrives as integer minor units plus an
// ISO 4217 code (SPEC §2); everything the reader sees goes through Intl in their own locale.

const DAY_MS = 86_400_000;
const counts = new Intl.NumberFormat(undefined);
const percents = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const dateTimes = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const days = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
const moneyFormats = new Map();

/** A count such as 1,234. */
export const formatCount = (n) => counts.format(n);

const rates = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 2 });

/** A commission rate in basis points as people say it: 450 → "4.5%" (1 bp = 0.01%). */
export const formatRate = (bp) => rates.format(bp / 10_000);

/** A ratio (0.25) as a percentage; null (nothing to divide by) as an en dash. */
export const formatPercent = (ratio) => (ratio === null || ratio === undefined ? '–' : percents.format(ratio));

function moneyFormat(currency) {
  let format = moneyFormats.get(currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    } catch {
      format = null; // not a currency Intl knows: formatMoney falls back to the raw amount and code
    }
    moneyFormats.set(currency, format);
  }
  return format;
}

/** Digits after the decimal point in this currency: 2 for USD, 0 for JPY (Intl knows ISO 4217). */
export function minorDigits(currency) {
  return moneyFormat(currency)?.resolvedOptions().maximumFractionDigits ?? 0;
}

/** Minor units to the amount people read: 199 USD cents → 1.99. */
export const toMajor = (minor, currency) => minor / 10 ** minorDigits(currency);

/** 49900 USD → "$499.00"; 1200 JPY → "¥1,200". */
export function formatMoney(minor, currency) {
  const format = moneyFormat(currency);
  return format ? format.format(toMajor(minor, currency)) : `${counts.format(minor)} ${currency}`;
}

/** An ISO timestamp in the reader's time zone; anything that is not a time as an en dash (Intl would throw). */
export function formatDateTime(iso) {
  const t = new Date(iso);
  return iso === null || iso === undefined || Number.isNaN(t.getTime()) ? '–' : dateTimes.format(t);
}

/** A UTC calendar day as the API gives it ('2026-10-31') in the reader's words ("Oct 31, 2026"); anything else as is. */
export function formatDay(day) {
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(t) ? String(day ?? '–') : days.format(t);
}

/** The UTC calendar day of a time, as the API's from/to take it. */
export const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

/** The 30 days ending today (UTC), the same default period the API uses. */
export function defaultPeriod(now = Date.now()) {
  return { from: isoDay(now - 29 * DAY_MS), to: isoDay(now) };
}

const dayMs = (day) => Date.parse(`${day}T00:00:00Z`);

/** True for a real calendar date YYYY-MM-DD. */
export function isDay(day) {
  if (typeof day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const t = dayMs(day);
  return !Number.isNaN(t) && isoDay(t) === day;
}

/** Every day from `from` to `to` inclusive, as epoch seconds at UTC midnight (uPlot's x values). */
export function daySeconds(from, to) {
  const out = [];
  for (let t = dayMs(from), end = dayMs(to); t <= end; t += DAY_MS) out.push(t / 1000);
  return out;
}
