import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, inject } from 'vitest';
import { adminQuery as serverQuery } from './pg-admin.js';

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
  await dropping;
});

/** Drops handed to `dropDatabase(db, { later: true })`, one after another behind the tests. */
let dropping: Promise<void> = Promise.resolve();

/**
 * The `db` value for a fresh database: a new SQLite file path (in a new folder), or the URL of a
 * new PostgreSQL database `affil_t_<random>`. Dropped by `dropDatabase`, or after the test file.
 * `migrated`: on PostgreSQL, a copy of the run's migrated template (see pg-template.ts) rather than
 * an empty database — what a collector would make of it at its first start, made in a fifth of the
 * time. Tests of migrations, first start and copying keep the empty default.
 */
export async function freshDatabase(options: { migrated?: boolean } = {}): Promise<string> {
  if (!ON_POSTGRES) {
    const dir = mkdtempSync(join(tmpdir(), 'affil-db-'));
    const db = join(dir, 'affil.db');
    made.set(db, async () => rmSync(dir, { recursive: true, force: true }));
    return db;
  }
  const name = `affil_t_${randomBytes(6).toString('hex')}`;
  const template = options.migrated ? inject('pgTemplate') : undefined;
  await adminQuery(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  const url = new URL(PG_SERVER);
  url.pathname = `/${name}`;
  // WITH (FORCE): a collector a failed test left running must not keep the database alive.
  made.set(url.toString(), () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  return url.toString();
}

/**
 * Removes a database `freshDatabase` made (its SQLite folder, or the PostgreSQL database). `later`:
 * a PostgreSQL database nothing uses any more is dropped behind the next tests (a DROP DATABASE
 * takes a few hundred milliseconds of the server's time); the test file's end waits for it, and a
 * drop that fails fails the file there.
 */
export async function dropDatabase(db: string, options: { later?: boolean } = {}): Promise<void> {
  const drop = made.get(db);
  made.delete(db);
  if (!drop) return;
  if (options.later && ON_POSTGRES) dropping = dropping.then(drop);
  else await drop();
}

/** One statement on the server's maintenance database. */
const adminQuery = (sql: string): Promise<void> => serverQuery(PG_SERVER, sql);
