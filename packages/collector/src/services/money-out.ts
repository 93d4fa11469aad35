/**
 * Money out (SPEC §10): balances, payout runs, payout files, signed monthly statements. Loads rows
 * through the `payouts` store, lets the domain decide, stores what it returns.
 */
import { z } from 'zod';
import { Problem } from '../errors.js';
import { balances, type BalanceEntry } from '../domain/balance.js';
import { chainOrder, chainProblems, type ChainedContent, type ChainLink } from '../domain/ledger-chain.js';
import { cancelPayout, markPaid, nextPayouts, parsePayoutsConfig, parseThrough, PayoutError, planPayouts, withMembership, type NextPayout, type Payout, type PayoutsConfig, type Shortfall } from '../domain/payouts.js';
import { EXPORT_FORMATS, ExportError, exportPayouts, type PayoutFile } from '../domain/payout-export.js';
import { buildStatement, generateStatementKey, jwkSet, monthRange, signStatement, statementKeyFromPem, statementKeyToPem, type JwkSet, type Statement, type StatementKey } from '../domain/statement.js';
import { statementCsv, statementHtml } from '../domain/statement-render.js';
import { parseWith } from '../validation.js';
import type { Context } from './context.js';
import type { Principal } from './principal.js';
import type { MoneyEntryRow, PayoutRow } from '../storage/payouts-port.js';
import type { Storage } from '../storage/port.js';
import { payoutCreated, payoutPaid } from '../domain/events-out/payloads.js';
import { notify as enqueue, wakeDeliveries } from './outbox.js';

type Entry = BalanceEntry & ChainedContent & ChainLink & { rule?: string | undefined; rateBp?: number | undefined };

const payoutsConfig = (ctx: Context): PayoutsConfig => ctx.program.payouts ?? parsePayoutsConfig(undefined);

// ---- the ledger chain ------------------------------------------------------------------------------

/**
 * Every stored entry checked against its chain link, per (account, currency) (`affil verify
 * --db`): what the entries table holds now must hash to what was chained, and every entry must be
 * chained (entries are chained when written; one without a link counts in no balance or statement).
 */
export async function ledgerProblems(ctx: Context): Promise<{ entries: number; chains: number; problems: string[] }> {
  const rows = await ctx.storage.payouts.moneyEntries(null);
  const chains = new Map<string, Entry[]>();
  for (const r of rows) {
    const key = `${r.accountId} ${r.currency}`;
    const list = chains.get(key);
    if (list) list.push(toEntry(r, new Set()));
    else chains.set(key, [toEntry(r, new Set())]);
  }
  const problems = [...chains].flatMap(([key, entries]) => chainProblems(chainOrder(entries)).map((p) => `${key}: ${p}`));
  for (const e of await ctx.storage.payouts.unchainedEntries(UNCHAINED_SHOWN)) {
    problems.push(`${e.accountId} ${e.currency}: entry ${e.id}: not chained: it counts in no balance, payout or statement (written behind the collector's back, or by a collector of the version before migration 011 still running after the upgrade)`);
  }
  return { entries: rows.length, chains: chains.size, problems };
}

const UNCHAINED_SHOWN = 100;

const toEntry = (r: MoneyEntryRow, held: ReadonlySet<string>): Entry => ({
  id: r.id,
  account: r.accountId,
  currency: r.currency,
  kind: r.kind,
  amount: r.amount,
  quantity: r.quantity,
  orderId: r.orderId,
  lineId: r.lineId,
  recordedAt: r.recordedAt,
  at: r.at,
  reverses: r.reverses ?? undefined,
  onHold: held.has(r.orderId),
  prevHash: r.prevHash,
  hash: r.hash,
  rule: r.rule ?? undefined,
  rateBp: r.rateBp ?? undefined,
});

/** The orders among these entries' that are on an integrity hold (issue 19's seam; none by default). */
async function heldOrders(ctx: Context, rows: readonly MoneyEntryRow[]): Promise<Set<string>> {
  const hook = ctx.moneyOut?.heldOrders;
  if (!hook || rows.length === 0) return new Set();
  return hook([...new Set(rows.map((r) => r.orderId))]);
}

const toPayout = (r: PayoutRow): Payout => ({
  id: r.id,
  account: r.accountId,
  currency: r.currency,
  amount: r.amount,
  through: r.through,
  status: r.status,
  entries: r.entries,
  generation: r.generation,
  reference: r.reference ?? undefined,
  createdAt: r.createdAt,
  paidAt: r.paidAt ?? undefined,
  cancelledAt: r.cancelledAt ?? undefined,
});

const toRow = (p: Payout): PayoutRow => ({
  id: p.id,
  accountId: p.account,
  currency: p.currency,
  amount: p.amount,
  through: p.through,
  generation: p.generation,
  status: p.status,
  reference: p.reference ?? null,
  createdAt: p.createdAt,
  paidAt: p.paidAt ?? null,
  cancelledAt: p.cancelledAt ?? null,
  entries: p.entries,
});

const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

/** A payout as the API answers it (SPEC §10). */
export const payoutView = (p: Payout) => ({
  id: p.id,
  account: p.account,
  currency: p.currency,
  amount: p.amount,
  through: p.through,
  status: p.status,
  entries: p.entries,
  ...(p.reference !== undefined ? { reference: p.reference } : {}),
  createdAt: iso(p.createdAt),
  ...(p.paidAt !== undefined ? { paidAt: iso(p.paidAt) } : {}),
  ...(p.cancelledAt !== undefined ? { cancelledAt: iso(p.cancelledAt) } : {}),
});

const shortfallView = (s: Shortfall) => ({ account: s.account, currency: s.currency, net: s.net, minimum: s.minimum, entries: s.entries });

async function notify(ctx: Context, type: 'payout.created' | 'payout.paid', payout: Payout): Promise<void> {
  try {
    // Events out (issue 20): into the outbox for the program's and the account's webhooks.
    const facts = {
      id: payout.id, account: payout.account, currency: payout.currency, amount: payout.amount, through: payout.through,
      status: payout.status, entries: payout.entries.length, reference: payout.reference ?? null,
      at: type === 'payout.paid' ? (payout.paidAt ?? ctx.now()) : payout.createdAt,
    };
    const event = type === 'payout.created' ? payoutCreated(facts) : payoutPaid(facts);
    if (await ctx.storage.transaction((tx) => enqueue(tx, event, { now: ctx.now() }))) wakeDeliveries(ctx.storage);
  } catch {
    // Best effort after the commit: the payout is stored whatever happens to its event.
  }
  try {
    await ctx.moneyOut?.notify?.({ type, data: payoutView(payout) });
  } catch {
    // Events out are best effort here: the payout is stored whatever a listener does.
  }
}

// ---- whose money --------------------------------------------------------------------------------

const accountQuery = z.string().min(1, 'must not be empty').max(200);

/** The account a read is about: an account key's own; the admin's `?account=` (null: every account). */
async function scopeAccount(ctx: Context, principal: Principal, requested: string | undefined): Promise<string | null> {
  if (principal.role === 'account') {
    if (requested !== undefined && requested !== principal.accountId) throw new Problem('not_found', `No account "${requested}"`);
    return principal.accountId;
  }
  if (requested === undefined) return null;
  if (!(await ctx.storage.accounts.getAccount(requested))) throw new Problem('not_found', `No account "${requested}"`);
  return requested;
}

// ---- balances -------------------------------------------------------------------------------------

const balanceQuery = z.object({ account: accountQuery.optional() });

/**
 * `GET /v1/balance`: one account's buckets per currency, or (admin without `account`) every
 * account's; with each the next payout per currency (`nextPayouts`: its amount and the first day
 * a run pays it, or that it rolls over until the minimum is reached).
 */
export async function balance(ctx: Context, principal: Principal, query: unknown) {
  const q = parseWith(balanceQuery, query, 'invalid_query');
  const accountId = await scopeAccount(ctx, principal, q.account);
  const { rows, payouts, pending } = await ctx.storage.transaction(async (tx) => ({
    rows: await tx.payouts.moneyEntries(accountId),
    payouts: (await tx.payouts.listPayouts(accountId)).map(toPayout),
    pending: await tx.payouts.pendingLines(accountId),
  }));
  const held = await heldOrders(ctx, rows);
  const entries = rows.map((r) => toEntry(r, held));
  const now = ctx.now();
  const config = payoutsConfig(ctx);
  const list = balances({
    entries: withMembership(entries, payouts),
    pending: pending.map((p) => ({ account: p.accountId, currency: p.currency, amount: p.pending })),
    now,
    payableAfterDays: config.payableAfterDays,
  });
  const next = new Map<string, Record<string, ReturnType<typeof nextPayoutView>>>();
  for (const n of nextPayouts({ entries, payouts, config, now })) next.set(n.account, { ...next.get(n.account), [n.currency]: nextPayoutView(n) });
  const byAccount = new Map(list.map((b) => [b.account, b.byCurrency]));
  const view = (account: string) => ({ account, byCurrency: byAccount.get(account) ?? {}, nextPayout: next.get(account) ?? {} });
  if (accountId !== null) return view(accountId);
  const accounts = (await ctx.storage.accounts.listAccounts()).map((a) => a.id).sort();
  return { accounts: accounts.map(view) };
}

/** The next payout of an account in one currency as `/v1/balance` answers it (`nextPayout.USD`). */
const nextPayoutView = (n: NextPayout) => ({ amount: n.amount, payableOn: n.payableOn, minimum: n.minimum, belowMinimum: n.belowMinimum });

// ---- payout runs ------------------------------------------------------------------------------------

const throughSchema = z.string().refine((v) => parseThrough(v) !== undefined, 'must be a date as YYYY-MM-DD');
const runSchema = z.strictObject({ through: throughSchema });

export interface RunResult { created: number; body: { through: string; payouts: ReturnType<typeof payoutView>[]; belowMinimum: ReturnType<typeof shortfallView>[] } }

/**
 * `POST /v1/payouts {through}` (or its preview, `store: false`): plans the run over every entry and
 * payout under the lock `payouts` (two runs take turns: the second finds the first's payouts) and
 * stores the new payouts with the entries each covers. Answers the run's payouts, old and new.
 */
export async function runPayouts(ctx: Context, body: unknown, options: { store: boolean } = { store: true }): Promise<RunResult> {
  const { through } = parseWith(runSchema, body);
  const { plan, payouts } = await ctx.storage.transaction(async (tx) => {
    await tx.lock('payouts');
    const rows = await tx.payouts.moneyEntries(null);
    const stored = (await tx.payouts.listPayouts(null)).map(toPayout);
    const held = await heldOrders(ctx, rows);
    const plan = planPayouts({ entries: rows.map((r) => toEntry(r, held)), payouts: stored, through, config: payoutsConfig(ctx), now: ctx.now() });
    if (!options.store) return { plan, payouts: [...plan.existing, ...plan.created] };
    if (plan.created.length > 0) await tx.payouts.insertPayouts(plan.created.map(toRow));
    const run = (await tx.payouts.listPayouts(null, through)).map(toPayout).filter((p) => p.status !== 'cancelled');
    return { plan, payouts: run };
  });
  const ordered = [...payouts].sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
  if (options.store) for (const p of plan.created) await notify(ctx, 'payout.created', p);
  return { created: options.store ? plan.created.length : 0, body: { through, payouts: ordered.map(payoutView), belowMinimum: plan.belowMinimum.map(shortfallView) } };
}

const listQuery = z.object({
  account: accountQuery.optional(),
  through: throughSchema.optional(),
  status: z.enum(['created', 'paid', 'cancelled']).optional(),
});

/** `GET /v1/payouts`: the admin's (all, or `?account=`), an account's own; `?through=`, `?status=`. */
export async function listPayouts(ctx: Context, principal: Principal, query: unknown) {
  const q = parseWith(listQuery, query, 'invalid_query');
  const accountId = await scopeAccount(ctx, principal, q.account);
  const rows = await ctx.storage.payouts.listPayouts(accountId, q.through);
  return { payouts: rows.map(toPayout).filter((p) => q.status === undefined || p.status === q.status).map(payoutView) };
}

async function visiblePayout(ctx: Context, principal: Principal | null, id: string, read = ctx.storage.payouts.getPayout): Promise<Payout> {
  const row = await read(id);
  if (!row || (principal?.role === 'account' && row.accountId !== principal.accountId)) throw new Problem('not_found', `No payout "${id}"`);
  return toPayout(row);
}

export async function getPayout(ctx: Context, principal: Principal, id: string) {
  return payoutView(await visiblePayout(ctx, principal, id));
}

function payoutProblem(error: unknown): never {
  if (error instanceof PayoutError) {
    if (error.code === 'invalid_reference') throw new Problem('unprocessable', `reference: ${error.message}`, { errors: [{ path: 'reference', message: error.message }] });
    if (error.code === 'invalid_through') throw new Problem('unprocessable', `through: ${error.message}`, { errors: [{ path: 'through', message: error.message }] });
    throw new Problem('conflict', error.message);
  }
  throw error;
}

/** A status change of one payout, under the lock `payouts` (a run never sees half of it). */
async function changePayout(ctx: Context, id: string, change: (p: Payout) => Payout): Promise<{ payout: Payout; changed: boolean }> {
  return ctx.storage.transaction(async (tx) => {
    await tx.lock('payouts');
    const before = await visiblePayout(ctx, null, id, (x) => tx.payouts.getPayout(x));
    let after: Payout;
    try {
      after = change(before);
    } catch (error) {
      payoutProblem(error);
    }
    if (after !== before) await tx.payouts.updatePayout(toRow(after));
    return { payout: after, changed: after !== before };
  });
}

const paidSchema = z.strictObject({ reference: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters') });

/** `POST /v1/payouts/{id}/paid {reference}`: created → paid (the same reference again: no change). */
export async function payPayout(ctx: Context, id: string, body: unknown) {
  const { reference } = parseWith(paidSchema, body);
  const { payout, changed } = await changePayout(ctx, id, (p) => markPaid(p, reference, ctx.now()));
  if (changed) await notify(ctx, 'payout.paid', payout);
  return payoutView(payout);
}

/** `POST /v1/payouts/{id}/cancel`: created → cancelled; its entries are payable again. */
export async function cancel(ctx: Context, id: string) {
  const { payout } = await changePayout(ctx, id, (p) => cancelPayout(p, ctx.now()));
  return payoutView(payout);
}

// ---- payout files -------------------------------------------------------------------------------------

const exportQuery = z.object({
  through: throughSchema.optional(),
  format: z.enum(EXPORT_FORMATS as ['csv', 'paypal', 'wise'], { error: 'must be csv, paypal or wise' }).default('csv'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').optional(),
});

/**
 * `GET /v1/payouts/export?through&format`: the batch file of the run for `through` (without it:
 * every payout still created), in a generic CSV or the PayPal or Wise layout. Payouts that cannot
 * go in the file are in `notPayable`, each with its reason.
 */
export async function exportFile(ctx: Context, query: unknown): Promise<PayoutFile> {
  const q = parseWith(exportQuery, query, 'invalid_query');
  const rows = (await ctx.storage.payouts.listPayouts(null, q.through))
    .map(toPayout)
    .filter((p) => (q.through === undefined ? p.status === 'created' : p.status !== 'cancelled'))
    .filter((p) => q.currency === undefined || p.currency === q.currency);
  const details = (await ctx.storage.payouts.payoutDetails(null)).map((d) => ({
    account: d.accountId,
    name: d.name,
    payoutMethod: d.payoutMethod ?? undefined,
    payoutEmail: d.payoutEmail ?? undefined,
  }));
  try {
    return exportPayouts(rows, details, q.format);
  } catch (error) {
    if (error instanceof ExportError) throw new Problem('unprocessable', `currency: ${error.message}`, { errors: [{ path: 'currency', message: error.message }] });
    throw error;
  }
}

// ---- payout details ------------------------------------------------------------------------------------

const detailsSchema = z
  .strictObject({
    payoutMethod: z.enum(['paypal', 'wise'], { error: 'must be paypal or wise (or null)' }).nullable().optional(),
    payoutEmail: z.email('must be an email address').max(254, 'must be at most 254 characters').nullable().optional(),
  })
  .refine((b) => b.payoutMethod !== undefined || b.payoutEmail !== undefined, { message: 'send payoutMethod and/or payoutEmail', path: ['payoutMethod'] });

/** `PATCH /v1/accounts/{id} {payoutMethod, payoutEmail}`: the admin, or the account itself. */
export async function updatePayoutDetails(ctx: Context, principal: Principal, accountId: string, body: unknown) {
  if (principal.role === 'account' && principal.accountId !== accountId) throw new Problem('not_found', `No account "${accountId}"`);
  const input = parseWith(detailsSchema, body);
  const account = await ctx.storage.accounts.getAccount(accountId);
  if (!account) throw new Problem('not_found', `No account "${accountId}"`);
  const details = await ctx.storage.transaction(async (tx) => {
    const [current] = await tx.payouts.payoutDetails(accountId);
    const method = input.payoutMethod === undefined ? (current?.payoutMethod ?? null) : input.payoutMethod;
    const email = input.payoutEmail === undefined ? (current?.payoutEmail ?? null) : input.payoutEmail;
    await tx.payouts.setPayoutDetails(accountId, method, email);
    return { payoutMethod: method, payoutEmail: email };
  });
  return { id: account.id, name: account.name, createdAt: new Date(account.createdAt).toISOString(), ...details };
}

// ---- statements and their key ------------------------------------------------------------------------------

const KEY_SETTING = 'statement_keys';
const keyCache = new WeakMap<Storage, StatementKey[]>();

/**
 * The statement signing keys, oldest first (the last signs). The first is generated once, on first
 * start, under the lock `statement-key` so several instances agree on one; the private parts stay
 * in the database's settings and never leave the server.
 */
export async function statementKeys(ctx: Context): Promise<StatementKey[]> {
  const cached = keyCache.get(ctx.storage);
  if (cached) return cached;
  let stored = await ctx.storage.accounts.getSetting(KEY_SETTING);
  for (let attempt = 1; stored === undefined; attempt++) {
    try {
      stored = await ctx.storage.transaction(async (tx) => {
        await tx.lock('statement-key');
        const again = await tx.accounts.getSetting(KEY_SETTING);
        if (again !== undefined) return again;
        const made = JSON.stringify([statementKeyToPem(generateStatementKey())]);
        await tx.accounts.putSetting(KEY_SETTING, made);
        return made;
      });
    } catch (error) {
      // Another process wrote first (SQLite answers a second writer "busy"): read its key.
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      stored = await ctx.storage.accounts.getSetting(KEY_SETTING);
    }
  }
  const keys = (JSON.parse(stored) as string[]).map(statementKeyFromPem);
  keyCache.set(ctx.storage, keys);
  return keys;
}

/** `GET /.well-known/affil-statement-key`: every statement key's public part, with its kid. */
export async function statementKeySet(ctx: Context): Promise<JwkSet> {
  return jwkSet(await statementKeys(ctx));
}

const statementQuery = z.object({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM'),
  account: accountQuery.optional(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').optional(),
  format: z.enum(['json', 'csv', 'html'], { error: 'must be json, csv or html' }).default('json'),
});

export type StatementAnswer =
  | { type: 'json'; body: Statement | { month: string; statements: Statement[] } }
  | { type: 'csv' | 'html'; body: string; filename: string };

/**
 * `GET /v1/statements?month=`: a signed statement per account and currency (those with entries
 * recorded by the month's end). With an account (an account key's own) and `currency`, the one
 * statement itself (what `affil verify` reads); otherwise `{month, statements}`. CSV and HTML need
 * exactly one.
 */
export async function statements(ctx: Context, principal: Principal, query: unknown): Promise<StatementAnswer> {
  const q = parseWith(statementQuery, query, 'invalid_query');
  const accountId = await scopeAccount(ctx, principal, q.account);
  const [, to] = monthRange(q.month)!;
  const [key] = (await statementKeys(ctx)).slice(-1);
  const { rows, payouts } = await ctx.storage.transaction(async (tx) => ({
    rows: await tx.payouts.moneyEntries(accountId, q.currency),
    payouts: (await tx.payouts.listPayouts(accountId)).map(toPayout),
  }));
  const held = await heldOrders(ctx, rows);
  const entries = rows.map((r) => toEntry(r, held));
  const pairs = new Map<string, [string, string]>();
  for (const e of entries) if (e.recordedAt < to) pairs.set(JSON.stringify([e.account, e.currency]), [e.account, e.currency]);
  const single = accountId !== null && q.currency !== undefined;
  if (single && pairs.size === 0) pairs.set(JSON.stringify([accountId, q.currency]), [accountId, q.currency!]);
  const now = ctx.now();
  const payableAfterDays = payoutsConfig(ctx).payableAfterDays;
  const list = [...pairs.keys()].sort().map((k) => {
    const [account, currency] = pairs.get(k)!;
    const unsigned = buildStatement({
      account,
      currency,
      month: q.month,
      entries: entries.filter((e) => e.account === account && e.currency === currency),
      payouts: payouts.filter((p) => p.account === account && p.currency === currency),
      payableAfterDays,
      now,
    });
    return signStatement(unsigned, key!);
  });
  if (q.format === 'json') return { type: 'json', body: single ? list[0]! : { month: q.month, statements: list } };
  if (list.length !== 1) {
    const what = list.length === 0 ? 'no statement' : `${list.length} statements`;
    throw new Problem('invalid_query', `currency: ${what} for ${q.month} in this scope; a ${q.format} statement is one account and one currency (send account and currency)`, { errors: [{ path: 'currency', message: 'choose one account and currency' }] });
  }
  const s = list[0]!;
  const filename = `statement-${s.account}-${s.currency}-${s.month}.${q.format}`;
  return q.format === 'csv' ? { type: 'csv', body: statementCsv(s), filename } : { type: 'html', body: statementHtml(s), filename };
}
