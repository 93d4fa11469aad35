import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, inject } from 'vitest';
import { adminQuery } from './pg-admin.js';

/**
 * The test matrix's switch: the same test files run on SQLite (default) and, with
 * `AFFIL_TEST_BACKEND=postgres` (the `collector-pg` vitest project), on a real PostgreSQL at
 * `AFFIL_TEST_PG`, each test file's collectors on databases of their own.
 */
export const ON_POSTGRES = process.env.AFFIL_TEST_BACKEND === 'postgres';

const PG_SERVER = process.env.AFFIL_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Databases this test file made and has not dropped yet: dropped after the file's tests at the latest. */
const made = new Map<string, () => Promise<void>>();
/** Copies of the migrated template that a closed test collector left, emptied again: the next `freshDatabase({ migrated: true })` of this file takes one. */
const spare: string[] = [];
// Registered when a test file imports this module (its collection), so it runs after that file's tests.
afterAll(async () => {
  spare.length = 0;
  for (const db of [...made.keys()]) await dropDatabase(db);
});

/**
 * The `db` value for a fresh database: a new SQLite file path (in a new folder), or the URL of a
 * new PostgreSQL database `affil_t_<random>`. Dropped by `dropDatabase`, or after the test file.
 * `migrated`: on PostgreSQL, a copy of the run's migrated template (see pg-template.ts) rather than
 * an empty database — what a collector makes of an empty one at its first start, in a fraction of
 * the time — or one such copy this file used before and `releaseDatabase` emptied. Tests of
 * migrations, first start and copying keep the empty default.
 */
export async function freshDatabase(options: { migrated?: boolean } = {}): Promise<string> {
  if (!ON_POSTGRES) {
    const dir = mkdtempSync(join(tmpdir(), 'affil-db-'));
    const db = join(dir, 'affil.db');
    made.set(db, async () => rmSync(dir, { recursive: true, force: true }));
    return db;
  }
  if (options.migrated && spare.length > 0) return spare.pop()!;
  const name = `affil_t_${randomBytes(6).toString('hex')}`;
  const template = options.migrated ? inject('pgTemplate') : undefined;
  await adminQuery(PG_SERVER, template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  const url = new URL(PG_SERVER);
  url.pathname = `/${name}`;
  // WITH (FORCE): a collector a failed test left running must not keep the database alive.
  made.set(url.toString(), async () => void (await adminQuery(PG_SERVER, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
  if (template) migratedCopies.add(url.toString());
  return url.toString();
}

/** Removes a database `freshDatabase` made (its SQLite folder, or the PostgreSQL database). */
export async function dropDatabase(db: string): Promise<void> {
  const drop = made.get(db);
  made.delete(db);
  migratedCopies.delete(db);
  await drop?.();
}

/** PostgreSQL databases made from the migrated template (and not dropped). */
const migratedCopies = new Set<string>();

/**
 * For a database nothing uses any more: a copy of the migrated template whose schema is still the
 * template's is emptied (every row but the migration record, sequences restarted) and kept for the
 * file's next test collector; anything else is dropped. On PostgreSQL 15 every DROP DATABASE forces
 * a checkpoint (hundreds of milliseconds on a busy server, once per test collector before this);
 * emptying takes tens. A schema a test changed (a trigger disabled to tamper with the ledger) or a
 * database that cannot be emptied is dropped instead.
 */
export async function releaseDatabase(db: string): Promise<void> {
  if (!ON_POSTGRES || !migratedCopies.has(db)) return dropDatabase(db);
  try {
    const [row] = await adminQuery(db, `SELECT (${SCHEMA_PRINT}) AS print, (${EMPTY_ALL}) AS truncate`);
    templatePrint ??= await printOfTemplate();
    if (row?.print !== templatePrint) return await dropDatabase(db);
    await adminQuery(db, String(row?.truncate));
    spare.push(db);
  } catch {
    await dropDatabase(db);
  }
}

/** What must equal the template's for a used copy to count as it: tables (partitions of a later month aside), indexes, triggers and whether they fire, functions. */
const SCHEMA_PRINT = `SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
  SELECT c.relname || ':' || c.relkind AS x FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'public' AND NOT c.relispartition AND c.relkind IN ('r', 'p', 'i', 'I', 'S', 'v', 'm')
  UNION ALL SELECT t.tgname || ':' || t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND NOT c.relispartition
  UNION ALL SELECT p.proname || ':' || md5(p.prosrc) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
) s`;

/** The statement that empties every table but the migration record. */
const EMPTY_ALL = `SELECT 'TRUNCATE ' || string_agg(format('%I', c.relname), ', ') || ' RESTART IDENTITY CASCADE'
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> 'schema_migrations'`;

let templatePrint: unknown;
/** The template's schema print, read from a new copy (the template takes no connections). */
async function printOfTemplate(): Promise<unknown> {
  const probe = await freshDatabase({ migrated: true });
  try {
    return (await adminQuery(probe, SCHEMA_PRINT))[0]?.md5;
  } finally {
    await dropDatabase(probe);
  }
}
