import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * The test matrix's switch: the same test files run on SQLite (default) and, with
 * `AFFIL_TEST_BACKEND=postgres` (the `collector-pg` vitest project), on a real PostgreSQL at
 * `AFFIL_TEST_PG`, each test file's collectors on databases of their own.
 */
export const ON_POSTGRES = process.env.AFFIL_TEST_BACKEND === 'postgres';

const PG_SERVER = process.env.AFFIL_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Databases this test file made and has not dropped yet: dropped after the file's tests at the latest. */
const made = new Map<string, () => Promise<void>>();
// Registered when a test file imports this module (its collection), so it runs after that file's tests.
afterAll(async () => {
  for (const db of [...made.keys()]) await dropDatabase(db);
});

/**
 * The `db` value for a fresh database: a new SQLite file path (in a new folder), or the URL of a
 * new PostgreSQL database `affil_t_<random>`. Dropped by `dropDatabase`, or after the test file.
 */
export async function freshDatabase(): Promise<string> {
  if (!ON_POSTGRES) {
    const dir = mkdtempSync(join(tmpdir(), 'affil-db-'));
    const db = join(dir, 'affil.db');
    made.set(db, async () => rmSync(dir, { recursive: true, force: true }));
    return db;
  }
  const name = `affil_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(PG_SERVER);
  url.pathname = `/${name}`;
  // WITH (FORCE): a collector a failed test left running must not keep the database alive.
  made.set(url.toString(), () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  return url.toString();
}

/** Removes a database `freshDatabase` made (its SQLite folder, or the PostgreSQL database). */
export async function dropDatabase(db: string): Promise<void> {
  const drop = made.get(db);
  made.delete(db);
  await drop?.();
}

/** One statement on the server's maintenance database (CREATE/DROP DATABASE cannot run in a transaction). */
async function adminQuery(sql: string): Promise<void> {
  // The PostgreSQL client comes with the PostgreSQL adapter; loaded only on that half of the matrix.
  const specifier = 'pg';
  const pg = (await import(specifier)) as { default: { Client: new (o: { connectionString: string }) => { connect(): Promise<void>; query(q: string): Promise<unknown>; end(): Promise<void> } } };
  const client = new pg.default.Client({ connectionString: PG_SERVER });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
