import { createHash } from 'node:crypto';
import type pg from 'pg';
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

/** The `Sql` of one connection inside a transaction: `atomic` adds nothing. */
export function clientSql(client: pg.PoolClient): Sql {
  const sql: Sql = {
    all: async <T>(text: string, params?: Params) => (await query(client, text, params)).rows.map((r) => exactRow<T>(r)),
    get: async <T>(text: string, params?: Params) => {
      const row = (await query(client, text, params)).rows[0];
      return row === undefined ? undefined : exactRow<T>(row);
    },
    run: async (text, params) => (await query(client, text, params)).rowCount ?? 0,
    atomic: (fn) => fn(sql),
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
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw storageError(error);
  }
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (error) {
    if (isUnavailable(error)) {
      // The connection is gone or unresponsive: no ROLLBACK to wait for; the server rolls back.
      broken = error as Error;
    } else {
      try {
        await client.query('ROLLBACK');
      } catch (rollback) {
        broken = rollback as Error;
      }
    }
    const code = (error as { code?: string }).code;
    if (retries > 0 && !broken && code !== undefined && RETRYABLE.has(code)) {
      client.release();
      client = undefined as unknown as pg.PoolClient;
      return transaction(pool, fn, retries - 1);
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
    atomic: (fn) => transaction(pool, (client) => fn(clientSql(client))),
  };
}

/** A signed 64-bit key for pg_advisory_lock from a name (as text: int8 parameters go as strings). */
export function lockKey(name: string): string {
  return createHash('sha256').update(`affil:${name}`).digest().readBigInt64BE(0).toString();
}
