import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, inject } from 'vitest';
import { adminQuery, adminSession, SCHEMA_PRINT } from './pg-admin.js';

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
 * database that cannot be emptied is dropped instead. The template's print comes from the global
 * setup (pg-template.ts), read once per run while the template still took connections.
 */
export async function releaseDatabase(db: string): Promise<void> {
  if (!ON_POSTGRES || !migratedCopies.has(db)) return dropDatabase(db);
  const templatePrint = inject('pgTemplatePrint');
  // One connection reads the print and empties the tables; a failure on it counts as "not emptied".
  const emptied = await adminSession(db, async (query) => {
    const [row] = await query(`SELECT (${SCHEMA_PRINT}) AS print, (${EMPTY_ALL}) AS empty`);
    if (typeof row?.print !== 'string' || row.print !== templatePrint) return false;
    await query(`SET session_replication_role = replica; ${String(row.empty)}`);
    return true;
  }).catch(() => false);
  if (emptied) spare.push(db);
  else await dropDatabase(db);
}

/**
 * The statements that empty every table but the migration record and restart the sequences. DELETE
 * rather than TRUNCATE: a test's tables hold a few rows, and TRUNCATE makes new files for every table
 * and index (hundreds of milliseconds here); the session runs in replica mode, so neither the
 * ledger's append-only triggers nor the foreign keys' fire.
 */
const EMPTY_ALL = `SELECT string_agg(format('DELETE FROM %I', c.relname), '; ') || '; SELECT count(setval(seqrelid, seqstart, false)) FROM pg_sequence'
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> 'schema_migrations'`;
