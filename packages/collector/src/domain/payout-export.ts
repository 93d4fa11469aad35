/**
 * Payout batch files: a generic CSV, PayPal Payouts (Payouts Web bulk upload) and Wise batch
 * ("send by email" template). Amounts are decimal strings made exactly from minor units.
 *
 * PayPal Payouts Web (developer.paypal.com/payouts/…/use-web-ui): no header row; columns in order
 * recipient identifier (email), payment amount, currency, customer ID, note, wallet (PAYPAL); one
 * currency per file.
 * Wise batch, "send by email" template (wise.com/help/articles/2663302): header row `name,
 * recipientEmail, paymentReference, receiverType, amountCurrency, amount, sourceCurrency,
 * targetCurrency`; `amountCurrency` "target" so the affiliate receives the exact amount.
 */
import { csvLines } from './csv.js';
import { formatMinor } from './money.js';
import type { Payout } from './payouts.js';

export type ExportFormat = 'csv' | 'paypal' | 'wise';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'paypal', 'wise'];

export type PayoutMethod = 'paypal' | 'wise';

export interface PayoutDetails {
  account: string;
  /** The account's display name (Wise wants a recipient name). */
  name?: string | undefined;
  payoutMethod?: PayoutMethod | undefined;
  payoutEmail?: string | undefined;
}

export interface NotPayable { payout: string; account: string; currency: string; amount: string; reason: string }

export interface PayoutFile {
  format: ExportFormat;
  contentType: string;
  filename: string;
  body: string;
  /** Payouts left out of `body`, each with why. */
  notPayable: NotPayable[];
}

export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Why a payout cannot go in a file of `format`, or undefined if it can. */
export function notPayableReason(p: Payout, d: PayoutDetails | undefined, format: ExportFormat): string | undefined {
  if (p.status !== 'created') return `payout is ${p.status}`;
  if (!d?.payoutEmail) return 'no payout email on the account (PATCH /v1/accounts/{id} with payoutMethod and payoutEmail)';
  if (!EMAIL.test(d.payoutEmail)) return `payout email "${d.payoutEmail}" is not an email address`;
  if (format !== 'csv' && d.payoutMethod !== format) {
    return d.payoutMethod ? `payout method is ${d.payoutMethod}, not ${format}` : `no payout method on the account (this file is for ${format})`;
  }
  return undefined;
}

const note = (p: Payout) => `Affiliate commission through ${p.through} (${p.id})`;

/** The batch file for `payouts` (created ones) in `format`; throws ExportError for a PayPal file of several currencies. */
export function exportPayouts(payouts: readonly Payout[], details: readonly PayoutDetails[], format: ExportFormat): PayoutFile {
  const byAccount = new Map(details.map((d) => [d.account, d]));
  const payable: Payout[] = [];
  const notPayable: NotPayable[] = [];
  const sorted = [...payouts].sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
  for (const p of sorted) {
    const reason = notPayableReason(p, byAccount.get(p.account), format);
    if (reason) notPayable.push({ payout: p.id, account: p.account, currency: p.currency, amount: formatMinor(p.amount, p.currency), reason });
    else payable.push(p);
  }
  const email = (p: Payout) => byAccount.get(p.account)!.payoutEmail!;
  switch (format) {
    case 'csv': {
      const rows = sorted.map((p) => {
        const reason = notPayable.find((n) => n.payout === p.id)?.reason;
        const d = byAccount.get(p.account);
        return [p.id, p.account, p.currency, formatMinor(p.amount, p.currency), p.amount, p.through, p.status, d?.payoutMethod ?? '', d?.payoutEmail ?? '', reason ? 'no' : 'yes', reason ?? ''];
      });
      const header = ['payout', 'account', 'currency', 'amount', 'amount_minor', 'through', 'status', 'payout_method', 'payout_email', 'payable', 'reason'];
      return { format, contentType: 'text/csv; charset=utf-8', filename: 'payouts.csv', body: csvLines([header, ...rows]), notPayable };
    }
    case 'paypal': {
      const currencies = [...new Set(payable.map((p) => p.currency))].sort();
      if (currencies.length > 1) throw new ExportError(`a PayPal payouts file holds one currency; these payouts are in ${currencies.join(', ')}: export one currency at a time`);
      const rows = payable.map((p) => [email(p), formatMinor(p.amount, p.currency), p.currency, p.id, note(p), 'PAYPAL']);
      return { format, contentType: 'text/csv; charset=utf-8', filename: `paypal-payouts${currencies[0] ? `-${currencies[0]}` : ''}.csv`, body: csvLines(rows), notPayable };
    }
    case 'wise': {
      const header = ['name', 'recipientEmail', 'paymentReference', 'receiverType', 'amountCurrency', 'amount', 'sourceCurrency', 'targetCurrency'];
      const rows = payable.map((p) => [byAccount.get(p.account)!.name ?? p.account, email(p), p.id, 'PRIVATE', 'target', formatMinor(p.amount, p.currency), p.currency, p.currency]);
      return { format, contentType: 'text/csv; charset=utf-8', filename: 'wise-batch.csv', body: csvLines([header, ...rows]), notPayable };
    }
  }
}
