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
 * The statement with its parameters written in as literals, for a simple (multi-statement) query:
 * each value exactly as node-postgres would send it as a parameter (text of unknown type,
 * resolved by the statement as a `$n` is), quoted by `escapeLiteral`. Undefined for a value
 * that has no text form (a Buffer).
 */
export function inline(sql: string, params: Params | undefined): string | undefined {
  const c = compile(sql);
  const args = values(c, params);
  const literals: string[] = [];
  for (const v of args) {
    const p = v === null ? null : prepareValue(v);
    if (p === null || p === undefined) literals.push('NULL');
    else if (typeof p === 'string') literals.push(escapeLiteral(p));
    else return undefined;
  }
  return c.text.replace(/\$(\d+)/g, (_, n: string) => literals[Number(n) - 1]!);
}

/**
 * What a transaction has not sent yet: BEGIN (until its first statement), advisory locks taken by
 * `lock`, deferred writes. The next statement carries them in the same simple query: one round
 * trip instead of one each. COMMIT carries whatever is left.
 */
export interface Pending { begun: boolean; statements: string[] }

async function send(client: pg.PoolClient, pending: Pending, sql: string, params: Params | undefined): Promise<pg.QueryResult> {
  if (pending.statements.length === 0) return query(client, sql, params);
  const text = inline(sql, params);
  if (text === undefined) {
    await flush(client, pending, []);
    return query(client, sql, params);
  }
  const results = await flush(client, pending, [text]);
  return results[results.length - 1]!;
}

/** Sends what is pending (and `more`) as one simple query; answers each statement's result. */
async function flush(client: pg.PoolClient, pending: Pending, more: string[]): Promise<pg.QueryResult[]> {
  const statements = [...pending.statements, ...more];
  pending.statements = [];
  if (statements.length === 0) return [];
  if (statements[0] === 'BEGIN') pending.begun = true;
  try {
    const out = (await client.query(statements.join(';\n'))) as pg.QueryResult | pg.QueryResult[];
    return Array.isArray(out) ? out : [out];
  } catch (error) {
    throw storageError(error);
  }
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
      const inlined = inline(text, params);
      if (inlined === undefined) await send(client, pending, text, params);
      else pending.statements.push(inlined);
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
  return within(pool, async (client) => {
    await client.query('BEGIN');
    return { out: await fn(client), pending: { begun: true, statements: [] } };
  }, retries);
}

/**
 * A transaction as `Sql` (and its `Pending`, for `lockSoon`), with BEGIN sent together with its
 * first statement and COMMIT together with its deferred writes: acknowledged, as ever, only once
 * COMMIT has answered. A transaction that sent nothing sends nothing.
 */
export async function sqlTransaction<T>(pool: pg.Pool, fn: (sql: Sql, pending: Pending) => Promise<T>, retries = 1): Promise<T> {
  return within(pool, async (client) => {
    const pending: Pending = { begun: false, statements: ['BEGIN'] };
    return { out: await fn(clientSql(client, pending), pending), pending };
  }, retries);
}

async function within<T>(pool: pg.Pool, body: (client: pg.PoolClient) => Promise<{ out: T; pending: Pending }>, retries: number, ): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw storageError(error);
  }
  let broken: Error | undefined;
  let pending: Pending | undefined;
  try {
    const done = await body(client);
    pending = done.pending;
    if (pending.begun) await flush(client, pending, ['COMMIT']);
    else if (pending.statements.length > 1) await flush(client, pending, ['COMMIT']);
    return done.out;
  } catch (error) {
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
      return within(pool, body, retries - 1);
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
