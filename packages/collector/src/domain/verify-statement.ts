/**
 * Offline verification of a downloaded statement against the collector's JWK set: the Ed25519
 * signature over its canonical JSON, the hash chain of its entries (and continuity with the
 * previous month's statement when given), and that its sums tie out. Returns the problems found;
 * an empty list means the statement is intact.
 */
import { createPublicKey, verify } from 'node:crypto';
import { chainProblems, type ChainedContent, type ChainLink } from './ledger-chain.js';
import { signedBytes } from './statement.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** Problems with the JWK set itself, or the Ed25519 public keys it holds by kid. */
function readKeys(jwks: unknown): { keys: Map<string, string>; problems: string[] } {
  const keys = new Map<string, string>();
  if (!isObject(jwks) || !Array.isArray(jwks.keys)) return { keys, problems: ['key set is not a JWK set ({"keys": [...]})'] };
  for (const k of jwks.keys) {
    if (isObject(k) && k.kty === 'OKP' && k.crv === 'Ed25519' && typeof k.kid === 'string' && typeof k.x === 'string') keys.set(k.kid, k.x);
  }
  return { keys, problems: keys.size === 0 ? ['key set holds no Ed25519 key with a kid'] : [] };
}

export interface VerifyOptions { previous?: unknown }

export function verifyStatement(statement: unknown, jwks: unknown, options: VerifyOptions = {}): string[] {
  if (!isObject(statement)) return ['statement is not a JSON object'];
  const problems: string[] = [];
  const { keys, problems: keyProblems } = readKeys(jwks);
  problems.push(...keyProblems);

  // Signature.
  const sig = statement.signature;
  if (!isObject(sig)) problems.push('statement is not signed (no signature)');
  else if (sig.alg !== 'Ed25519') problems.push(`signature algorithm is ${JSON.stringify(sig.alg)}, expected "Ed25519"`);
  else if (typeof sig.kid !== 'string' || typeof sig.value !== 'string') problems.push('signature needs a kid and a value');
  else if (keys.size > 0) {
    const x = keys.get(sig.kid);
    if (!x) problems.push(`no key with kid ${sig.kid} in the key set`);
    else {
      let ok = false;
      try {
        const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
        const bytes = Buffer.from(sig.value, 'base64url');
        // Decoders ignore stray trailing bits; only the one exact encoding of 64 bytes counts.
        ok = bytes.length === 64 && bytes.toString('base64url') === sig.value && verify(null, signedBytes(statement), key, bytes);
      } catch {
        ok = false; // a malformed key or signature is a failed check, reported below
      }
      if (!ok) problems.push('signature does not verify: the statement was changed after signing, or signed with another key');
    }
  }

  // Shape and sums.
  const entries = statement.entries;
  const payouts = statement.payouts;
  const chainInfo = statement.chain;
  if (!Array.isArray(entries) || !Array.isArray(payouts) || !isInt(statement.openingBalance) || !isInt(statement.closingBalance) || !isObject(chainInfo)) {
    problems.push('statement lacks openingBalance, entries, payouts, closingBalance or chain');
    return problems;
  }
  const badEntry = entries.findIndex((e) => !isObject(e) || !isInt(e.amount) || !isInt(e.id) || typeof e.hash !== 'string' || typeof e.prevHash !== 'string');
  if (badEntry >= 0) problems.push(`entry #${badEntry + 1} lacks an id, amount, hash or prevHash`);
  const badPayout = payouts.findIndex((p) => !isObject(p) || !isInt(p.amount));
  if (badPayout >= 0) problems.push(`payout #${badPayout + 1} lacks an amount`);
  if (badEntry >= 0 || badPayout >= 0) return problems;
  const sum = (list: unknown[]) => list.reduce<bigint>((t, x) => t + BigInt((x as { amount: number }).amount), 0n);
  const expected = BigInt(statement.openingBalance) + sum(entries) - sum(payouts);
  if (expected !== BigInt(statement.closingBalance)) {
    problems.push(`sums do not tie out: opening ${statement.openingBalance} + entries ${sum(entries)} − payouts ${sum(payouts)} = ${expected}, but closing is ${statement.closingBalance}`);
  }

  // Chain.
  const previous = typeof chainInfo.previous === 'string' ? chainInfo.previous : '';
  problems.push(...chainProblems(entries as unknown as (ChainedContent & ChainLink)[], previous));
  const last = entries.length > 0 ? (entries[entries.length - 1] as { hash: string }).hash : previous;
  if (chainInfo.last !== last) problems.push(`chain.last ${String(chainInfo.last)} is not the last entry's hash ${last}`);
  for (const e of entries as { account?: unknown; currency?: unknown; id: number }[]) {
    if (e.account !== statement.account || e.currency !== statement.currency) problems.push(`entry ${e.id} belongs to another account or currency`);
  }

  // Continuity with the previous statement.
  if (options.previous !== undefined) {
    const prev = options.previous;
    if (!isObject(prev) || !isObject(prev.chain)) problems.push('previous statement is not a statement');
    else {
      if (prev.account !== statement.account || prev.currency !== statement.currency) problems.push('previous statement is for another account or currency');
      if (prev.chain.last !== previous) problems.push(`chain does not continue the previous statement: it ended at ${String(prev.chain.last)}, this one starts after ${previous}`);
      if (prev.closingBalance !== statement.openingBalance) problems.push(`opening balance ${statement.openingBalance} is not the previous closing balance ${String(prev.closingBalance)}`);
    }
  }
  return problems;
}
