import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import pg from 'pg';
import { Problem } from '../../errors.js';
import { isUnavailable, storageError } from './faults.js';

/** Named parameters for a statement: `@name` in the SQL text. */
export type Params = Record<string, unknown>;

/**
 * The adapter's one way to run SQL: plain parameterized statements, written with `@name`
 * parameters as on SQLite and sent as `$n`. Every string parameter is checked for U+0000 first
 * (PostgreSQL's text type refuses it; the caller gets a 400 naming the field, not a 500), every
 * failure goes through `storageError` (connection trouble becomes a 503), and every row through
 * `exactRow` (an int8 or numeric past 2^53 − 1 becomes a 422 naming the column).
 */
export interface Sql {
  all<T>(sql: string, params?: Params): Promise<T[]>;
  get<T>(sql: string, params?: Params): Promise<T | undefined>;
  /** Answers the number of rows the statement touched. */
  run(sql: string, params?: Params): Promise<number>;
  /** Runs `fn` atomically: in a transaction of its own on the pool, or as part of the current one. */
  atomic<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /**
   * A write whose answer nobody needs. Inside a transaction it is sent with the transaction's next
   * statement, or with its COMMIT, in one round trip (statements run in the order written, so a
   * later read sees it; a failure fails the transaction as the write itself would); on the pool,
   * it runs at once.
   */
  defer(sql: string, params?: Params): Promise<void>;
}

interface Compiled { name: string; text: string; names: string[] }
const compiled = new Map<string, Compiled>();

/** `@name` → `$n` (the same name, the same `$n`), once per statement text; named so each connection prepares it once. */
export function compile(sql: string): Compiled {
  let c = compiled.get(sql);
  if (!c) {
    const names: string[] = [];
    const text = sql.replace(/@([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
      let i = names.indexOf(name);
      if (i < 0) i = names.push(name) - 1;
      return `$${i + 1}`;
    });
    c = { name: `affil_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`, text, names };
    compiled.set(sql, c);
  }
  return c;
}

/** A 400 for a string PostgreSQL cannot store, naming where it was. */
export function nulProblem(field: string): Problem {
  return new Problem('invalid_request', `${field} contains U+0000 (a NUL character), which cannot be stored; remove it`, {
    errors: [{ path: field, message: 'must not contain U+0000' }],
  });
}

/** Throws `nulProblem` for a string (or an array's string) holding U+0000. */
export function checkText(field: string, value: unknown): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw nulProblem(field);
  } else if (Array.isArray(value)) {
    for (const v of value) if (typeof v === 'string' && v.includes('\u0000')) throw nulProblem(field);
  }
}

function values(c: Compiled, params: Params | undefined): unknown[] {
  return c.names.map((name) => {
    const v = params?.[name];
    checkText(name, v);
    return v === undefined ? null : v;
  });
}

const MAX = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * int8 and numeric arrive as text: a short one is always exact as a number; a longer one is a
 * BigInt when it does not fit, so `exactRow` can refuse it by name instead of rounding it.
 */
export function parseInteger(text: string): number | bigint {
  if (text.length < 16 || text.includes('.')) return Number(text);
  const n = BigInt(text);
  return n <= MAX && n >= -MAX ? Number(n) : n;
}

/** A row's BigInt fields (values past ±(2^53 − 1)) become a 422 naming the field. */
export function exactRow<T>(row: Record<string, unknown>): T {
  for (const [k, v] of Object.entries(row)) {
    if (typeof v === 'bigint') {
      throw new Problem('unprocessable', `${k} is ${v}, beyond ±(2^53 − 1), the largest amount a JSON number carries exactly; ask for a shorter period or a narrower scope (tag, account, marketplace)`);
    }
  }
  return row as T;
}

type Runner = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

async function query(runner: Runner, sql: string, params: Params | undefined): Promise<pg.QueryResult> {
  const c = compile(sql);
  const args = values(c, params);
  try {
    return await runner.query({ name: c.name, text: c.text, values: args });
  } catch (error) {
    throw storageError(error);
  }
}

const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils') as { prepareValue(value: unknown): unknown };
const escapeLiteral = pg.Client.prototype.escapeLiteral;

/**
 * A statement's parameters as literals for a simple (multi-statement) query: each value exactly as
 * node-postgres would send it as a parameter (text of unknown type, resolved by the statement as
 * a `$n` is), quoted by `escapeLiteral`. Undefined when one has no text form (a Buffer).
 */
function literals(args: unknown[]): string[] | undefined {
  const out: string[] = [];
  for (const v of args) {
    const p = v === null ? null : prepareValue(v);
    if (p === null || p === undefined) out.push('NULL');
    else if (typeof p === 'string') out.push(escapeLiteral(p));
    else return undefined;
  }
  return out;
}

/** A statement ready to ride in a simple query: compiled, its parameters as literals. */
interface Bound { c: Compiled; literals: string[] }

/** `sql` with `params` bound for a simple query (U+0000 refused here); undefined for a Buffer parameter. */
function bind(sql: string, params: Params | undefined): Bound | undefined {
  const c = compile(sql);
  const written = literals(values(c, params));
  return written && { c, literals: written };
}

/**
 * Statements prepared with SQL `PREPARE affilx_…` on each connection, so a statement in a simple
 * query runs as `EXECUTE affilx_…(literals)` and keeps its cached plan (a lookup in a partitioned
 * table costs about 1 ms to plan afresh, more than its round trip). `unknown` after a simple
 * query that carried a PREPARE failed part-way (a prepared statement outlives a rollback): the
 * next one reads `pg_prepared_statements` first. Names differ from node-postgres's own (`affil_…`,
 * prepared through the protocol), which it tracks by itself.
 */
const preparedOn = new WeakMap<pg.ClientBase, { names: Set<string>; unknown: boolean }>();
const sqlName = (c: Compiled) => `affilx${c.name.slice('affil'.length)}`;

/** The text of one statement of a simple query: raw SQL, or EXECUTE (with its PREPARE when the connection has not got it yet). */
function written(statement: Statement, names: Set<string>, preparing: string[]): string {
  if (typeof statement === 'string') return statement;
  const name = sqlName(statement.c);
  const args = statement.literals.length ? `(${statement.literals.join(', ')})` : '';
  if (names.has(name) || preparing.includes(name)) return `EXECUTE ${name}${args}`;
  preparing.push(name);
  return `PREPARE ${name} AS ${statement.c.text};\nEXECUTE ${name}${args}`;
}

/** One statement of a simple query: raw SQL (BEGIN, locks, COMMIT) or a bound statement. */
type Statement = string | Bound;

/**
 * What a transaction has not sent yet: BEGIN (until its first statement), advisory locks taken by
 * `lock`, deferred writes, and the reads asked for in the current turn. The next round trip
 * carries them all in one simple query, in that order: one round trip instead of one each.
 * COMMIT carries whatever is left.
 */
export interface Pending {
  begun: boolean;
  statements: Statement[];
  /** Reads waiting for the round trip sent at the end of this turn (see `send`). */
  reads?: Read[];
  /** Set once the transaction commits or rolls back: a read still queued is refused, never sent. */
  closed?: boolean;
}

interface Read { sql: string; params: Params | undefined; resolve: (r: pg.QueryResult) => void; reject: (e: unknown) => void }

/**
 * Sends what is pending (and `more`) as one simple query; answers each statement's result (a
 * PREPARE's own result left out).
 */
async function flush(client: pg.PoolClient, pending: Pending, more: Statement[]): Promise<pg.QueryResult[]> {
  const statements = [...pending.statements, ...more];
  pending.statements = [];
  if (statements.length === 0) return [];
  if (statements[0] === 'BEGIN') pending.begun = true;
  let state = preparedOn.get(client);
  if (!state) preparedOn.set(client, (state = { names: new Set(), unknown: false }));
  try {
    if (state.unknown && statements.some((s) => typeof s !== 'string')) {
      const { rows } = await client.query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE name LIKE 'affilx%'");
      state.names = new Set(rows.map((r) => r.name));
      state.unknown = false;
    }
    const preparing: string[] = [];
    const text = statements.map((s) => written(s, state.names, preparing)).join(';\n');
    // Known at once: a simple query sent meanwhile on this connection runs after this one, so it
    // may EXECUTE them; if this one fails part-way, the next reads what really exists.
    for (const name of preparing) state.names.add(name);
    let out: pg.QueryResult | pg.QueryResult[];
    try {
      out = (await client.query(text)) as pg.QueryResult | pg.QueryResult[];
    } catch (error) {
      if (preparing.length > 0) state.unknown = true;
      throw error;
    }
    const results = Array.isArray(out) ? out : [out];
    return preparing.length === 0 ? results : results.filter((r) => r.command !== 'PREPARE');
  } catch (error) {
    throw storageError(error);
  }
}

/**
 * Sends the reads asked for in one turn, with what is pending before them, in one round trip. A
 * read alone with nothing pending goes as its named prepared statement; otherwise each goes as
 * `EXECUTE` of a statement prepared on the connection, in the order asked, and a read that cannot
 * be written so (a Buffer parameter) goes by itself after the others. Each statement takes its
 * own snapshot.
 */
async function sendReads(client: pg.PoolClient, pending: Pending): Promise<void> {
  const reads = pending.reads ?? [];
  pending.reads = undefined;
  if (pending.closed) {
    for (const r of reads) r.reject(new Error('read asked for after its transaction ended'));
    return;
  }
  if (reads.length === 1 && pending.statements.length === 0) {
    const [r] = reads as [Read];
    return query(client, r.sql, r.params).then(r.resolve, r.reject);
  }
  const bound: Bound[] = [];
  const batched: Read[] = [];
  const alone: Read[] = [];
  for (const r of reads) {
    let b: Bound | undefined;
    try {
      b = bind(r.sql, r.params);
    } catch (error) {
      r.reject(error); // U+0000 in a parameter: refused before anything is sent
      continue;
    }
    if (b === undefined) alone.push(r);
    else {
      bound.push(b);
      batched.push(r);
    }
  }
  try {
    const results = await flush(client, pending, bound);
    const offset = results.length - batched.length;
    batched.forEach((r, i) => r.resolve(results[offset + i]!));
  } catch (error) {
    for (const r of [...batched, ...alone]) r.reject(error);
    return;
  }
  for (const r of alone) await query(client, r.sql, r.params).then(r.resolve, r.reject);
}

/**
 * A statement whose answer is read: queued, and sent once this turn's synchronous code and promise
 * jobs have run (a `process.nextTick` queued from a promise job runs after all of them), so reads
 * started together (`Promise.all`) share one round trip. Awaited one by one, each goes at once,
 * as before: nothing waits on a timer. Writes deferred in the same turn go ahead of these reads.
 */
function send(client: pg.PoolClient, pending: Pending, sql: string, params: Params | undefined): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    if (!pending.reads) {
      pending.reads = [];
      queueMicrotask(() => process.nextTick(() => void sendReads(client, pending)));
    }
    pending.reads.push({ sql, params, resolve, reject });
  });
}

/** An advisory transaction lock on each key (`lockKey`s, in the order given), sent with the next statement. */
export function lockSoon(pending: Pending, keys: readonly string[]): void {
  if (keys.length === 0) return;
  for (const k of keys) if (!/^-?[0-9]{1,20}$/.test(k)) throw new Error(`not a lock key: ${k}`);
  pending.statements.push(`SELECT ${keys.map((k) => `pg_advisory_xact_lock(${k}::bigint)`).join(', ')}`);
}

/** The `Sql` of one connection inside a transaction: `atomic` adds nothing; see `Pending`. */
export function clientSql(client: pg.PoolClient, pending: Pending = { begun: true, statements: [] }): Sql {
  const sql: Sql = {
    all: async <T>(text: string, params?: Params) => (await send(client, pending, text, params)).rows.map((r) => exactRow<T>(r)),
    get: async <T>(text: string, params?: Params) => {
      const row = (await send(client, pending, text, params)).rows[0];
      return row === undefined ? undefined : exactRow<T>(row);
    },
    run: async (text, params) => (await send(client, pending, text, params)).rowCount ?? 0,
    atomic: (fn) => fn(sql),
    defer: async (text, params) => {
      const bound = bind(text, params);
      if (bound === undefined) await send(client, pending, text, params);
      else pending.statements.push(bound);
    },
  };
  return sql;
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock

/**
 * BEGIN … COMMIT on one pooled connection; ROLLBACK on any error. A serialization failure or a
 * deadlock (two instances' batches crossing) runs `fn` once more. A connection that failed is
 * destroyed, not returned to the pool.
 */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, retries = 1): Promise<T> {
  return within(pool, () => ({ begun: true, statements: [] }), async (client) => {
    await client.query('BEGIN');
    return fn(client);
  }, retries);
}

/**
 * A transaction as `Sql` (and its `Pending`, for `lockSoon`), with BEGIN sent together with its
 * first statement and COMMIT together with its deferred writes: acknowledged, as ever, only once
 * COMMIT has answered. A transaction that sent nothing sends nothing.
 */
export async function sqlTransaction<T>(pool: pg.Pool, fn: (sql: Sql, pending: Pending) => Promise<T>, retries = 1): Promise<T> {
  return within(pool, () => ({ begun: false, statements: ['BEGIN'] }), (client, pending) => fn(clientSql(client, pending), pending), retries);
}

async function within<T>(pool: pg.Pool, start: () => Pending, body: (client: pg.PoolClient, pending: Pending) => Promise<T>, retries: number): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw storageError(error);
  }
  let broken: Error | undefined;
  const pending = start();
  try {
    const out = await body(client, pending);
    pending.closed = true;
    if (pending.begun || pending.statements.length > 1) {
      const results = await flush(client, pending, ['COMMIT']);
      // COMMIT of a transaction that had failed (an error caught and gone on from) answers
      // ROLLBACK, not an error: never acknowledge that as done.
      if (results[results.length - 1]?.command === 'ROLLBACK') throw new Error('the transaction failed before its COMMIT and was rolled back');
    }
    return out;
  } catch (error) {
    // Reads still queued are refused, never sent after the ROLLBACK.
    pending.closed = true;
    if (isUnavailable(error)) {
      // The connection is gone or unresponsive: no ROLLBACK to wait for; the server rolls back.
      broken = error as Error;
    } else {
      try {
        // (A lazy transaction that never sent BEGIN has nothing to roll back; ROLLBACK outside one only warns.)
        await client.query('ROLLBACK');
      } catch (rollback) {
        broken = rollback as Error;
      }
    }
    const code = (error as { code?: string }).code;
    if (retries > 0 && !broken && code !== undefined && RETRYABLE.has(code)) {
      client.release();
      client = undefined as unknown as pg.PoolClient;
      return within(pool, start, body, retries - 1);
    }
    throw storageError(error);
  } finally {
    client?.release(broken);
  }
}

/** The `Sql` of the pool: each statement on any free connection; `atomic` opens a transaction. */
export function poolSql(pool: pg.Pool): Sql {
  return {
    all: async <T>(text: string, params?: Params) => (await query(pool, text, params)).rows.map((r) => exactRow<T>(r)),
    get: async <T>(text: string, params?: Params) => {
      const row = (await query(pool, text, params)).rows[0];
      return row === undefined ? undefined : exactRow<T>(row);
    },
    run: async (text, params) => (await query(pool, text, params)).rowCount ?? 0,
    atomic: (fn) => sqlTransaction(pool, (sql) => fn(sql)),
    defer: async (text, params) => void (await query(pool, text, params)),
  };
}

/** A signed 64-bit key for pg_advisory_lock from a name (as text: int8 parameters go as strings). */
export function lockKey(name: string): string {
  return createHash('sha256').update(`affil:${name}`).digest().readBigInt64BE(0).toString();
}
