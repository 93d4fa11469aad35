import { describe, expect, it } from 'vitest';
import type { BalanceEntry } from '../../src/domain/balance.js';
import { chain, chainProblems, GENESIS, type ChainedContent } from '../../src/domain/ledger-chain.js';
import { markPaid, planPayouts, parsePayoutsConfig, withMembership, type Payout } from '../../src/domain/payouts.js';
import {
  buildStatement, generateStatementKey, jwkSet, jwkThumbprint, monthRange, signStatement, statementKeyFromPem, statementKeyToPem,
  type Statement,
} from '../../src/domain/statement.js';
import { statementCsv, statementHtml } from '../../src/domain/statement-render.js';
import { verifyStatement } from '../../src/domain/verify-statement.js';

const t = (iso: string) => Date.parse(iso);
type Row = BalanceEntry & ChainedContent;
const row = (id: number, amount: number, recorded: string, over: Partial<Row> = {}): Row => ({
  id, account: 'ann', currency: 'USD', amount, quantity: 1, kind: amount < 0 ? 'return' : 'shipment',
  orderId: `o${id}`, lineId: 'l1', recordedAt: t(recorded), ...over,
});

// ann, USD: September 3000 + 1200, October 800 and a return of 200 of a September line; the
// September entries are paid out (through 2026-11-30) on 2026-12-02.
const rows: Row[] = [
  row(1, 3000, '2026-09-03T10:00:00Z'),
  row(2, 1200, '2026-09-20T10:00:00Z'),
  row(3, 800, '2026-10-05T10:00:00Z'),
  row(4, -200, '2026-10-09T10:00:00Z', { reverses: 2, quantity: 1 }),
  row(5, 999, '2026-10-09T11:00:00Z', { currency: 'JPY' }),
];
const chained = (list: Row[]) => ['USD', 'JPY'].flatMap((c) => chain(list.filter((r) => r.currency === c)));
const config = parsePayoutsConfig(undefined);
function history(): { entries: ReturnType<typeof chained>; payouts: Payout[] } {
  const entries = chained(rows);
  const plan = planPayouts({ entries, payouts: [], through: '2026-11-30', config, now: t('2026-12-01T09:00:00Z') });
  const payouts = plan.created.map((p) => markPaid(p, 'PP-77', t('2026-12-02T09:00:00Z')));
  return { entries: withMembership(entries, payouts).map((e, i) => ({ ...e, ...entries[i]! })), payouts };
}
const key = generateStatementKey();
const keys = jwkSet([key]);
function statement(month: string, now = t('2027-01-05T00:00:00Z')): Statement {
  const { entries, payouts } = history();
  return signStatement(buildStatement({ account: 'ann', currency: 'USD', month, entries, payouts, payableAfterDays: 60, now }), key);
}

describe('hash chain', () => {
  it('links each entry to the one before, per account and currency, from GENESIS', () => {
    const c = chain(rows.filter((r) => r.currency === 'USD'));
    expect(c[0]!.prevHash).toBe(GENESIS);
    expect(c.slice(1).map((e) => e.prevHash)).toEqual(c.slice(0, -1).map((e) => e.hash));
    expect(chainProblems(c)).toEqual([]);
  });
  it.each([
    ['an amount edited', (c: ReturnType<typeof chain<Row>>) => { c[1] = { ...c[1]!, amount: 1300 }; }, /entry 2: content does not match its hash/],
    ['the recorded time moved', (c: ReturnType<typeof chain<Row>>) => { c[0] = { ...c[0]!, recordedAt: c[0]!.recordedAt + 1 }; }, /entry 1: content does not match/],
    ['an entry removed', (c: ReturnType<typeof chain<Row>>) => { c.splice(1, 1); }, /entry 3: previous hash .* does not match/],
    ['two entries swapped', (c: ReturnType<typeof chain<Row>>) => { [c[1], c[2]] = [c[2]!, c[1]!]; }, /entry 3: previous hash/],
  ])('detects %s', (_why, edit, problem) => {
    const c = chain(rows.filter((r) => r.currency === 'USD'));
    edit(c);
    expect(chainProblems(c).join('\n')).toMatch(problem);
  });
});

describe('buildStatement', () => {
  it('September: opening 0, two entries, no payouts, closing 4200; payable not yet (Nov 30)', () => {
    const s = statement('2026-09');
    expect(s).toMatchObject({ openingBalance: 0, closingBalance: 4200, payouts: [], from: '2026-09-01T00:00:00.000Z', to: '2026-10-01T00:00:00.000Z', asOf: '2026-09-30T23:59:59.999Z', maturing: 4200, payable: 0 });
    expect(s.entries.map((e) => [e.id, e.amount])).toEqual([[1, 3000], [2, 1200]]);
    expect(s.chain.previous).toBe(GENESIS);
  });
  it('October: opening 4200, the return netted in the month, closing 4800; chain continues September', () => {
    const s = statement('2026-10');
    expect(s).toMatchObject({ openingBalance: 4200, closingBalance: 4800 });
    expect(s.entries.map((e) => [e.id, e.amount, e.reverses])).toEqual([[3, 800, undefined], [4, -200, 2]]);
    expect(s.chain.previous).toBe(statement('2026-09').chain.last);
  });
  it('December: the payout of 4000 (Sept entries net of the return) is paid in the month', () => {
    const s = statement('2026-12');
    expect(s).toMatchObject({ openingBalance: 4800, closingBalance: 800, entries: [], payouts: [{ amount: 4000, reference: 'PP-77', paidAt: '2026-12-02T09:00:00.000Z' }] });
    expect(s.chain.previous).toBe(s.chain.last);
  });
  it('buckets as they stood at the end of the month, whatever happened later', () => {
    expect(statement('2026-11')).toMatchObject({ payable: 4000, maturing: 800, onHold: 0 }); // Sept payable from Nov 30; the payout came Dec 1
    expect(statement('2026-12')).toMatchObject({ payable: 800, maturing: 0 }); // paid out; October payable from Dec 31
    expect(statement('2026-12', t('2026-12-15T00:00:00Z'))).toMatchObject({ payable: 0, maturing: 800, asOf: '2026-12-15T00:00:00.000Z' });
  });
  it('every statement ties out and verifies', () => {
    for (const month of ['2026-08', '2026-09', '2026-10', '2026-11', '2026-12', '2027-01']) {
      const s = statement(month);
      expect(s.openingBalance + s.entries.reduce((a, e) => a + e.amount, 0) - s.payouts.reduce((a, p) => a + p.amount, 0)).toBe(s.closingBalance);
      expect(verifyStatement(JSON.parse(JSON.stringify(s)), keys), month).toEqual([]);
    }
  });
  it('refuses a month that is not YYYY-MM', () => {
    expect(monthRange('2026-13')).toBeUndefined();
    expect(() => buildStatement({ account: 'a', currency: 'USD', month: '2026-1', entries: [], payouts: [], payableAfterDays: 60, now: 0 })).toThrow(/month must be YYYY-MM/);
  });
});

describe('signature and verification', () => {
  it('the key id is the RFC 7638 thumbprint; the key survives a PEM round trip', () => {
    expect(key.kid).toBe(jwkThumbprint(key.publicJwk.x));
    expect(keys).toEqual({ keys: [{ kid: key.kid, kty: 'OKP', crv: 'Ed25519', x: key.publicJwk.x }] });
    const again = statementKeyFromPem(statementKeyToPem(key));
    expect(again.publicJwk).toEqual(key.publicJwk);
  });

  it('fails on any byte changed in the file', () => {
    const text = JSON.stringify(statement('2026-10'));
    let detected = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const changed = text.slice(0, i) + String.fromCharCode(c === 0x30 ? 0x31 : c ^ 1) + text.slice(i + 1);
      let parsed: unknown;
      try {
        parsed = JSON.parse(changed);
      } catch {
        detected++; // not JSON any more: affil verify refuses it
        continue;
      }
      if (verifyStatement(parsed, keys).length > 0) detected++;
      else throw new Error(`byte ${i} (${text.slice(Math.max(0, i - 20), i + 20)}) changed and the statement still verifies`);
    }
    expect(detected).toBe(text.length);
  });

  it.each([
    ['another key', (s: Statement) => signStatement(s, generateStatementKey()), /no key with kid/],
    ['no signature', (s: Statement) => ({ ...s, signature: undefined }), /not signed/],
    ['a sum that does not tie out, re-signed', (s: Statement) => signStatement({ ...s, closingBalance: s.closingBalance + 1 }, key), /sums do not tie out/],
    ['an entry edited and re-signed', (s: Statement) => signStatement({ ...s, entries: s.entries.map((e) => (e.id === 3 ? { ...e, amount: 900 } : e)), closingBalance: 4900 }, key), /entry 3: content does not match/],
    ['a foreign entry', (s: Statement) => signStatement({ ...s, account: 'bob' }, key), /belongs to another account/],
  ])('reports %s', (_why, edit, problem) => {
    expect(verifyStatement(JSON.parse(JSON.stringify(edit(statement('2026-10')))), keys).join('\n')).toMatch(problem);
  });

  it('with the previous statement: detects history rewritten after it was issued', () => {
    const september = statement('2026-09');
    expect(verifyStatement(statement('2026-10'), keys, { previous: september })).toEqual([]);
    // The program edits a September entry and recomputes the chain before issuing October.
    const edited = rows.map((r) => (r.id === 2 ? { ...r, amount: 1000 } : r));
    const entries = chained(edited);
    const october = signStatement(buildStatement({ account: 'ann', currency: 'USD', month: '2026-10', entries, payouts: [], payableAfterDays: 60, now: t('2026-11-01T00:00:00Z') }), key);
    expect(verifyStatement(october, keys)).toEqual([]); // self-consistent alone…
    const problems = verifyStatement(october, keys, { previous: september }).join('\n');
    expect(problems).toMatch(/chain does not continue the previous statement/); // …but not with what the affiliate already holds
    expect(problems).toMatch(/opening balance 4000 is not the previous closing balance 4200/);
  });

  it('only the exact encoding of the signature counts (base64url decoders ignore stray trailing bits)', () => {
    const s = statement('2026-10');
    const v = s.signature!.value;
    const twins = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_']
      .map((c) => v.slice(0, -1) + c)
      .filter((w) => w !== v && Buffer.from(w, 'base64url').equals(Buffer.from(v, 'base64url')));
    expect(twins.length).toBeGreaterThan(0);
    for (const w of twins) expect(verifyStatement({ ...s, signature: { ...s.signature!, value: w } }, keys)).toHaveLength(1);
  });

  it('a bad key set is named', () => {
    expect(verifyStatement(statement('2026-10'), { nope: 1 })).toContain('key set is not a JWK set ({"keys": [...]})');
    expect(verifyStatement('x', keys)).toEqual(['statement is not a JSON object']);
  });
});

describe('renderings', () => {
  const hostile = (): Statement => {
    const s = statement('2026-10');
    return { ...s, account: '<script>alert(1)</script>', entries: s.entries.map((e) => ({ ...e, orderId: '=cmd|"/c calc"!A1', rule: 'a&b' })) };
  };
  it('CSV: opening, each entry with a running balance, closing; formula-like cells neutralised', () => {
    const lines = statementCsv(hostile()).split('\r\n');
    expect(lines[0]).toBe('type,date,id,kind,order,line,rule,rate_bp,amount,amount_minor,balance,hash');
    expect(lines[1]).toMatch(/^opening,2026-10-01T00:00:00.000Z,.*,42.00,/);
    expect(lines[2]).toMatch(/^entry,2026-10-05T10:00:00.000Z,3,shipment,"'=cmd\|""\/c calc""!A1",l1,a&b,,8.00,800,50.00,/);
    expect(lines[3]).toMatch(/^entry,.*,4,return,.*,-2.00,-200,48.00,/);
    expect(lines[4]).toMatch(/^closing,2026-11-01T00:00:00.000Z,.*,48.00,/);
  });
  it('CSV: a payout paid mid-month sits between the entries around it in the running balance', () => {
    const s = statement('2026-10');
    const withPayout: Statement = { ...s, payouts: [{ id: 'po_1', amount: 1000, paidAt: '2026-10-07T00:00:00.000Z', reference: 'R' }], closingBalance: s.closingBalance - 1000 };
    const lines = statementCsv(withPayout).split('\r\n').slice(2, 5).map((l) => l.split(',').slice(0, 1).concat(l.split(',').slice(8, 11)));
    expect(lines).toEqual([['entry', '8.00', '800', '50.00'], ['payout', '-10.00', '-1000', '40.00'], ['entry', '-2.00', '-200', '38.00']]);
  });
  it('HTML: every value escaped, a captioned table with header cells, no script', () => {
    const html = statementHtml(hostile());
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('a&amp;b');
    expect(html).toContain('<th scope="col">Amount</th>');
    expect(html).toContain('<td class="n">-2.00 USD</td>');
    expect(html).toMatch(/<html lang="en">/);
  });
});
