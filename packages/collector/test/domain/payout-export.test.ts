import { describe, expect, it } from 'vitest';
import { currencyExponent, formatMinor } from '../../src/domain/money.js';
import { exportPayouts, type PayoutDetails } from '../../src/domain/payout-export.js';
import type { Payout } from '../../src/domain/payouts.js';

describe('formatMinor (minor units → decimal string, by the currency exponent)', () => {
  it.each([
    [1999, 'USD', '19.99'],
    [5, 'USD', '0.05'],
    [-5, 'USD', '-0.05'],
    [-1300, 'EUR', '-13.00'],
    [0, 'USD', '0.00'],
    [500, 'JPY', '500'],
    [-500, 'JPY', '-500'],
    [1234, 'KWD', '1.234'],
    [7, 'BHD', '0.007'],
    [Number.MAX_SAFE_INTEGER, 'USD', '90071992547409.91'],
  ])('%s %s → %s', (amount, currency, text) => expect(formatMinor(amount, currency)).toBe(text));
  it.each([['USD', 2], ['jpy', 0], ['KWD', 3], ['EUR', 2]])('%s has %s decimals', (c, n) => expect(currencyExponent(c)).toBe(n));
  it('refuses a fractional amount and a code that is not one', () => {
    expect(() => formatMinor(1.5, 'USD')).toThrow(RangeError);
    expect(() => formatMinor(1, 'US')).toThrow(/not an ISO 4217/);
  });
});

const payout = (id: string, account: string, currency: string, amount: number, status: Payout['status'] = 'created'): Payout =>
  ({ id, account, currency, amount, through: '2026-09-30', status, entries: [1], generation: 0, createdAt: 0 });
const details: PayoutDetails[] = [
  { account: 'ann', name: 'Ann Lee', payoutMethod: 'paypal', payoutEmail: 'ann@example.com' },
  { account: 'bob', name: '=HYPERLINK("http://evil")', payoutMethod: 'wise', payoutEmail: 'bob@example.org' },
  { account: 'cat' },
  { account: 'dan', payoutMethod: 'paypal', payoutEmail: 'not-an-email' },
];

describe('exportPayouts', () => {
  const usd = [payout('po_a', 'ann', 'USD', 123456), payout('po_b', 'bob', 'USD', 1005), payout('po_c', 'cat', 'USD', 2000), payout('po_d', 'dan', 'USD', 3000), payout('po_x', 'ann', 'USD', 999, 'paid')];

  it('PayPal: no header; email, amount, currency, customer id, note, wallet; others listed as not payable with the reason', () => {
    const f = exportPayouts(usd, details, 'paypal');
    expect(f.body).toBe('ann@example.com,1234.56,USD,po_a,Affiliate commission through 2026-09-30 (po_a),PAYPAL\r\n');
    expect(f.notPayable.map((n) => [n.account, n.reason])).toEqual([
      ['ann', 'payout is paid'],
      ['bob', 'payout method is wise, not paypal'],
      ['cat', 'no payout email on the account (PATCH /v1/accounts/{id} with payoutMethod and payoutEmail)'],
      ['dan', 'payout email "not-an-email" is not an email address'],
    ]);
    expect(f.filename).toBe('paypal-payouts-USD.csv');
  });

  it('PayPal takes one currency per file', () => {
    expect(() => exportPayouts([...usd, payout('po_j', 'ann', 'JPY', 5000)], details, 'paypal')).toThrow(/one currency; these payouts are in JPY, USD/);
  });

  it('Wise: the send-by-email template, fixed target amount, a formula-like name neutralised', () => {
    const f = exportPayouts([...usd, payout('po_j', 'bob', 'JPY', 5000)], details, 'wise');
    expect(f.body).toBe(
      'name,recipientEmail,paymentReference,receiverType,amountCurrency,amount,sourceCurrency,targetCurrency\r\n' +
        `"'=HYPERLINK(""http://evil"")",bob@example.org,po_j,PRIVATE,target,5000,JPY,JPY\r\n` +
        `"'=HYPERLINK(""http://evil"")",bob@example.org,po_b,PRIVATE,target,10.05,USD,USD\r\n`,
    );
    expect(f.notPayable.map((n) => n.account)).toEqual(['ann', 'ann', 'cat', 'dan']);
  });

  it('generic CSV lists every payout, payable or not, with minor and decimal amounts', () => {
    const f = exportPayouts(usd.slice(0, 3), details, 'csv');
    expect(f.body.split('\r\n')).toEqual([
      'payout,account,currency,amount,amount_minor,through,status,payout_method,payout_email,payable,reason',
      'po_a,ann,USD,1234.56,123456,2026-09-30,created,paypal,ann@example.com,yes,',
      'po_b,bob,USD,10.05,1005,2026-09-30,created,wise,bob@example.org,yes,',
      'po_c,cat,USD,20.00,2000,2026-09-30,created,,,no,no payout email on the account (PATCH /v1/accounts/{id} with payoutMethod and payoutEmail)',
      '',
    ]);
  });

  it('no minor unit is created or lost: the decimal amounts in a file add up to the payouts', () => {
    const many = Array.from({ length: 37 }, (_, i) => payout(`po_${i}`, 'ann', 'USD', 1 + i * 997));
    const f = exportPayouts(many, details, 'paypal');
    const cents = f.body.trim().split('\r\n').map((line) => Number(line.split(',')[1]!.replace('.', ''))); // exact: always two decimals
    expect(cents.reduce((a, b) => a + b, 0)).toBe(many.reduce((a, p) => a + p.amount, 0));
  });
});
