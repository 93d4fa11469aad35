/**
 * Monthly statements per account and currency (SPEC §10): opening balance, the month's ledger
 * entries with their chain links, payouts paid in the month, closing balance — and an Ed25519
 * signature over the RFC 8785 canonical JSON of the statement without `signature`, so an
 * affiliate can check it offline against the collector's published JWK set.
 *
 * "Balance" is what the program owes the account: every entry recorded so far minus every payout
 * paid. opening + Σ entries − Σ payouts = closing, exactly, in minor units.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { balances, type BalanceEntry } from './balance.js';
import { canonicalize } from './canonical-json.js';
import { chainOrder, GENESIS, type ChainedContent, type ChainLink } from './ledger-chain.js';
import { sumMinor } from './money.js';
import { withMembership, type Payout } from './payouts.js';

export const STATEMENT_VERSION = 'affil-statement/1';

export interface StatementEntry extends ChainedContent, ChainLink {
  /** recordedAt as ISO 8601, for people. */
  recorded: string;
  /** The attribution rule and commission rate of the order line, when known (not hashed: they belong to the order). */
  rule?: string | undefined;
  rateBp?: number | undefined;
}

export interface StatementPayout { id: string; amount: number; paidAt: string; reference: string }

export interface Signature { alg: 'Ed25519'; kid: string; value: string }

export interface Statement {
  version: typeof STATEMENT_VERSION;
  account: string;
  currency: string;
  month: string;
  from: string;
  to: string;
  openingBalance: number;
  entries: StatementEntry[];
  payouts: StatementPayout[];
  closingBalance: number;
  /** Buckets of the closing balance as of `asOf` (the end of the month, or now while it runs). */
  payable: number;
  maturing: number;
  onHold: number;
  asOf: string;
  /** The hash before the month's first entry (the previous statement's `chain.last`) and after its last. */
  chain: { previous: string; last: string };
  issuedAt: string;
  signature?: Signature | undefined;
}

/** "YYYY-MM" → [first instant, first instant of the next month), or undefined if not a month. */
export function monthRange(month: string): [number, number] | undefined {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]) - 1;
  return [Date.UTC(y, mo, 1), Date.UTC(y, mo + 1, 1)];
}

export interface StatementInput {
  account: string;
  currency: string;
  month: string;
  /** This account's entries in this currency, every month, with their stored chain links. */
  entries: readonly (BalanceEntry & ChainedContent & ChainLink & { rule?: string | undefined; rateBp?: number | undefined })[];
  /** This account's payouts in this currency, any status (their dates give the buckets as of the month's end). */
  payouts: readonly Payout[];
  payableAfterDays: number;
  now: number;
}

/** The unsigned statement. Throws RangeError for a month that is not YYYY-MM. */
export function buildStatement(input: StatementInput): Statement {
  const range = monthRange(input.month);
  if (!range) throw new RangeError(`month must be YYYY-MM, not "${input.month}"`);
  const [from, to] = range;
  // In chain order (id order for entries chained when written): recorded times never go back along
  // a chain, so the months before this one are a stretch of it, then this month's entries.
  const mine = chainOrder(input.entries.filter((e) => e.account === input.account && e.currency === input.currency));
  const paid = input.payouts.filter((p) => p.account === input.account && p.currency === input.currency && p.status === 'paid' && p.paidAt !== undefined);
  const before = mine.filter((e) => e.recordedAt < from);
  const during = mine.filter((e) => e.recordedAt >= from && e.recordedAt < to);
  const paidBefore = paid.filter((p) => p.paidAt! < from);
  const paidDuring = paid.filter((p) => p.paidAt! >= from && p.paidAt! < to).sort((a, b) => a.paidAt! - b.paidAt! || (a.id < b.id ? -1 : 1));
  const openingBalance = sumMinor(before.map((e) => e.amount)) - sumMinor(paidBefore.map((p) => p.amount));
  const closingBalance = openingBalance + sumMinor(during.map((e) => e.amount)) - sumMinor(paidDuring.map((p) => p.amount));
  const asOf = Math.min(input.now, to - 1);
  // Buckets as they stood at asOf: entries recorded by then, payouts in the state they had then.
  const upTo = mine.filter((e) => e.recordedAt <= asOf);
  const payoutsThen = input.payouts.flatMap((p): Payout[] => {
    if (p.createdAt > asOf || (p.cancelledAt !== undefined && p.cancelledAt <= asOf)) return [];
    if (p.status === 'cancelled' && p.cancelledAt === undefined) return [];
    return [{ ...p, status: p.paidAt !== undefined && p.paidAt <= asOf ? 'paid' : 'created' }];
  });
  const buckets = balances({ entries: withMembership(upTo, payoutsThen), now: asOf, payableAfterDays: input.payableAfterDays })[0]?.byCurrency[input.currency];
  const previous = before.length > 0 ? before[before.length - 1]!.hash : GENESIS;
  return {
    version: STATEMENT_VERSION,
    account: input.account,
    currency: input.currency,
    month: input.month,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    openingBalance,
    entries: during.map((e) => {
      const line: StatementEntry = {
        id: e.id, account: e.account, currency: e.currency, kind: e.kind, amount: e.amount, quantity: e.quantity,
        orderId: e.orderId, lineId: e.lineId, recordedAt: e.recordedAt, recorded: new Date(e.recordedAt).toISOString(),
        prevHash: e.prevHash, hash: e.hash,
      };
      if (e.reverses !== undefined) line.reverses = e.reverses;
      if (e.rule !== undefined) line.rule = e.rule;
      if (e.rateBp !== undefined) line.rateBp = e.rateBp;
      return line;
    }),
    payouts: paidDuring.map((p) => ({ id: p.id, amount: p.amount, paidAt: new Date(p.paidAt!).toISOString(), reference: p.reference ?? '' })),
    closingBalance,
    payable: buckets?.payable ?? 0,
    maturing: buckets?.maturing ?? 0,
    onHold: buckets?.onHold ?? 0,
    asOf: new Date(asOf).toISOString(),
    chain: { previous, last: during.length > 0 ? during[during.length - 1]!.hash : previous },
    issuedAt: new Date(input.now).toISOString(),
  };
}

// ---- keys and signatures ----------------------------------------------------------------------

export interface PublicJwk { kid: string; kty: 'OKP'; crv: 'Ed25519'; x: string }
export interface JwkSet { keys: PublicJwk[] }
export interface StatementKey { kid: string; privateKey: KeyObject; publicJwk: PublicJwk }

/** RFC 7638 thumbprint of an Ed25519 public key: the key id, so it changes when the key does. */
export function jwkThumbprint(x: string): string {
  return createHash('sha256').update(canonicalize({ crv: 'Ed25519', kty: 'OKP', x })).digest('base64url');
}

function fromPrivate(privateKey: KeyObject): StatementKey {
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' }) as { x: string };
  const kid = jwkThumbprint(x);
  return { kid, privateKey, publicJwk: { kid, kty: 'OKP', crv: 'Ed25519', x } };
}

/** A new signing key (the collector makes one on first start and keeps the private part). */
export function generateStatementKey(): StatementKey {
  return fromPrivate(generateKeyPairSync('ed25519').privateKey);
}

/** A stored key back from its PKCS#8 PEM. */
export function statementKeyFromPem(pem: string): StatementKey {
  return fromPrivate(createPrivateKey(pem));
}

export function statementKeyToPem(key: StatementKey): string {
  return key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
}

export function jwkSet(keys: readonly StatementKey[]): JwkSet {
  return { keys: keys.map((k) => k.publicJwk) };
}

/** The bytes a signature covers: canonical JSON of the statement without `signature`. */
export function signedBytes(statement: object): Buffer {
  const { signature: _omit, ...rest } = statement as { signature?: unknown };
  return Buffer.from(canonicalize(rest), 'utf8');
}

export function signStatement(statement: Statement, key: StatementKey): Statement {
  const value = sign(null, signedBytes(statement), key.privateKey).toString('base64url');
  return { ...statement, signature: { alg: 'Ed25519', kid: key.kid, value } };
}
