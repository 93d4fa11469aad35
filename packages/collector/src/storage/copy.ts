import Database from 'better-sqlite3';
import pg from 'pg';
import { UsageError } from '../errors.js';
import { openStorage, isPostgresUrl, redactDb } from './open.js';
import { ensureMonths, monthStart, PARTITIONED } from './postgres/partitions.js';
import { chainUnchained as chainUnchainedPg } from './postgres/ledger-chain.js';
import { clientSql } from './postgres/sql.js';
import { chainUnchained as chainUnchainedSqlite } from '../db/ledger-chain.js';

/**
 * `affil db copy`: every table of one database into another (SQLite → PostgreSQL, the upgrade
 * path, and PostgreSQL → SQLite). Generic over tables: the tables and columns are read from the
 * two schemas (after the target is migrated), so a table a later migration adds copies too.
 *
 * The source is read in one snapshot (SQLite: one read transaction in WAL mode, so a collector
 * may keep writing; PostgreSQL: REPEATABLE READ READ ONLY). The target is written in one
 * transaction: all of it lands or none. At the end both sides are counted (rows per table, ledger
 * sums per account and currency) and compared.
 */

/** Bookkeeping of each side, never copied: its own migrations, SQLite's sequence table, PostgreSQL's in-flight signals. */
const SKIP = new Set(['schema_migrations', 'sqlite_sequence', 'signal_payloads']);
/**
 * A source made before migration 022 keeps a rejection's reversing entries in `ledger_reversals`;
 * the target (always current) keeps them in the ledger, kind `reversal`, without an order event.
 * The copy moves them over as 022 does: in their order, after every copied entry, then chained.
 */
const LEGACY_REVERSALS = 'ledger_reversals';
const REVERSAL_COLUMNS = ['order_id', 'line_id', 'account_id', 'tag', 'marketplace', 'currency', 'quantity', 'amount', 'at'];

/** Tables one side derives from others: PostgreSQL's `event_ids` (an event id counts once, ever) from the raw event tables. */
const DERIVED: Record<string, string> = {
  event_ids: PARTITIONED.map((t) => `SELECT id, at FROM ${t}`).join(' UNION ALL '),
};

type Row = Record<string, unknown>;
interface Column { name: string; type: string; identity: boolean }
interface Table { name: string; columns: Column[] }

export interface CopyReport {
  tables: { table: string; source: number; target: number }[];
  ledger: { accountId: string; currency: string; source: string; target: string }[];
  ok: boolean;
}

/** A side: what the copy needs from SQLite or PostgreSQL. */
interface Side {
  describe: string;
  tables(): Promise<Table[]>;
  /** Parent tables first (foreign keys). */
  order(names: string[]): Promise<string[]>;
  count(table: string): Promise<number>;
  /** Sum and count of ledger entries per account and currency (with a pre-022 side's `ledger_reversals`). */
  ledger(): Promise<Map<string, string>>;
  close(): Promise<void>;
}
interface Source extends Side {
  /** The table's rows in batches (in `orderBy` order when given). */
  rows(table: string, columns: string[], batch: number, orderBy?: string): AsyncIterable<Row[]>;
}
interface Target extends Side {
  begin(): Promise<void>;
  clear(tables: string[]): Promise<void>;
  insert(table: Table, columns: string[], rows: Row[]): Promise<void>;
  derive(table: string, select: string): Promise<void>;
  /** Ledger entries without a chain link (a source made before migration 011), chained; answers how many. */
  chain(): Promise<number>;
  finish(tables: Table[]): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

const ledgerSql = (legacyReversals: boolean) =>
  `SELECT account_id, currency, sum(amount) AS amount, count(*) AS n FROM (SELECT account_id, currency, amount FROM ledger_entries${
    legacyReversals ? ` UNION ALL SELECT account_id, currency, amount FROM ${LEGACY_REVERSALS}` : ''
  }) e GROUP BY account_id, currency`;
const ledgerKey = (r: Row) => `${String(r.account_id)} ${String(r.currency)}`;

function topological(names: string[], edges: [string, string][]): string[] {
  // edges: [child, parent]; parents first, otherwise by name.
  const set = new Set(names);
  const parents = new Map(names.map((n) => [n, new Set<string>()]));
  for (const [child, parent] of edges) if (set.has(child) && set.has(parent) && child !== parent) parents.get(child)!.add(parent);
  const done: string[] = [];
  const left = [...names].sort();
  while (left.length > 0) {
    const i = left.findIndex((n) => [...parents.get(n)!].every((p) => done.includes(p)));
    done.push(...left.splice(i < 0 ? 0 : i, 1));
  }
  return done;
}

// ---------------------------------------------------------------------------------------------
// SQLite

function sqliteSide(file: string, mode: 'source' | 'target'): Source & Target {
  const db = new Database(file, { readonly: mode === 'source', fileMustExist: true });
  if (mode === 'source') {
    // One read transaction: every read below sees the same snapshot, whatever the collector writes meanwhile.
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  }
  const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const side: Source & Target = {
    describe: `SQLite ${file}`,
    async tables() {
      const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
      return names.map((name) => ({
        name,
        columns: (db.prepare(`PRAGMA table_info(${q(name)})`).all() as { name: string; type: string }[]).map((c) => ({ name: c.name, type: c.type.toLowerCase(), identity: false })),
      }));
    },
    async order(names) {
      const edges: [string, string][] = [];
      for (const n of names) for (const fk of db.prepare(`PRAGMA foreign_key_list(${q(n)})`).all() as { table: string }[]) edges.push([n, fk.table]);
      return topological(names, edges);
    },
    async count(table) {
      return Number((db.prepare(`SELECT count(*) AS n FROM ${q(table)}`).get() as { n: number }).n);
    },
    async ledger() {
      const legacy = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(LEGACY_REVERSALS) !== undefined;
      return new Map((db.prepare(ledgerSql(legacy)).all() as Row[]).map((r) => [ledgerKey(r), `${String(r.amount)} in ${String(r.n)} entries`]));
    },
    async *rows(table, columns, batch, orderBy) {
      let rows: Row[] = [];
      for (const row of db.prepare(`SELECT ${columns.map(q).join(', ')} FROM ${q(table)}${orderBy ? ` ORDER BY ${q(orderBy)}` : ''}`).iterate() as Iterable<Row>) {
        rows.push(row);
        if (rows.length >= batch) {
          yield rows;
          rows = [];
        }
      }
      if (rows.length > 0) yield rows;
    },
    async begin() {
      db.exec('BEGIN IMMEDIATE');
    },
    async clear() {
      throw new UsageError('--force replaces PostgreSQL targets only; for SQLite, copy into a new file');
    },
    async insert(table, columns, rows) {
      const stmt = db.prepare(`INSERT INTO ${q(table.name)} (${columns.map(q).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
      for (const row of rows) stmt.run(columns.map((c) => (typeof row[c] === 'boolean' ? (row[c] ? 1 : 0) : row[c])));
    },
    async derive(table, select) {
      db.exec(`INSERT INTO ${q(table)} ${select}`);
    },
    async chain() {
      return chainUnchainedSqlite(db);
    },
    async finish() {},
    async commit() {
      db.exec('COMMIT');
    },
    async rollback() {
      if (db.inTransaction) db.exec('ROLLBACK');
    },
    async close() {
      if (db.inTransaction) db.exec(mode === 'source' ? 'COMMIT' : 'ROLLBACK');
      db.close();
    },
  };
  return side;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    // int8 and numeric as numbers when exact, else as text (better-sqlite3 and pg take both); dates as text.
    if (oid === 20 || oid === 1700) return (t: string) => (Number.isSafeInteger(Number(t)) ? Number(t) : t);
    if (oid === 1082) return (t: string) => t;
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

async function postgresSide(url: string, mode: 'source' | 'target'): Promise<Source & Target> {
  const client = new pg.Client({ connectionString: url, types: pgTypes, application_name: 'affil db copy' });
  client.on('error', () => undefined);
  await client.connect();
  if (mode === 'source') await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
  let cursor = 0;
  const side: Source & Target = {
    describe: `PostgreSQL ${redactDb(url)}`,
    async tables() {
      const { rows } = await client.query<{ table: string; column: string; type: string; identity: string }>(
        `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attidentity AS identity
           FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
          WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
            AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
          ORDER BY c.relname, a.attnum`,
      );
      const tables = new Map<string, Table>();
      for (const r of rows) {
        if (!tables.has(r.table)) tables.set(r.table, { name: r.table, columns: [] });
        tables.get(r.table)!.columns.push({ name: r.column, type: r.type, identity: r.identity !== '' });
      }
      return [...tables.values()];
    },
    async order(names) {
      const { rows } = await client.query<{ child: string; parent: string }>(
        "SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace",
      );
      return topological(names, rows.map((r) => [r.child.replace(/"/g, ''), r.parent.replace(/"/g, '')]));
    },
    async count(table) {
      return Number((await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${q(table)}`)).rows[0]!.n);
    },
    async ledger() {
      const legacy = (await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [LEGACY_REVERSALS])).rows[0]?.t != null;
      const { rows } = await client.query(ledgerSql(legacy));
      return new Map(rows.map((r: Row) => [ledgerKey(r), `${String(r.amount)} in ${String(r.n)} entries`]));
    },
    async *rows(table, columns, batch, orderBy) {
      const name = `copy_${cursor++}`;
      await client.query(`DECLARE ${name} NO SCROLL CURSOR FOR SELECT ${columns.map(q).join(', ')} FROM ${q(table)}${orderBy ? ` ORDER BY ${q(orderBy)}` : ''}`);
      for (;;) {
        const { rows } = await client.query<Row>(`FETCH ${batch} FROM ${name}`);
        if (rows.length === 0) break;
        yield rows;
      }
      await client.query(`CLOSE ${name}`);
    },
    async begin() {
      await client.query('BEGIN');
    },
    async clear(tables) {
      // The ledger refuses TRUNCATE (append-only triggers): its owner switches user triggers off for the replacement.
      for (const t of tables) await client.query(`ALTER TABLE ${q(t)} DISABLE TRIGGER USER`);
      await client.query(`TRUNCATE ${tables.map(q).join(', ')} RESTART IDENTITY CASCADE`);
      for (const t of tables) await client.query(`ALTER TABLE ${q(t)} ENABLE TRIGGER USER`);
    },
    async insert(table, columns, rows) {
      const types = new Map(table.columns.map((c) => [c.name, c.type]));
      const overriding = table.columns.some((c) => c.identity && columns.includes(c.name)) ? ' OVERRIDING SYSTEM VALUE' : '';
      // One statement per batch, one array parameter per column (unnest): no limit on the number of rows.
      const params = columns.map((c) =>
        rows.map((r) => {
          const v = r[c];
          if (v === null || v === undefined) return null;
          if (types.get(c) === 'boolean') return v === true || v === 1 || v === 1n || v === '1';
          return typeof v === 'bigint' ? v.toString() : v;
        }),
      );
      const list = columns.map(q).join(', ');
      await client.query(`INSERT INTO ${q(table.name)} (${list})${overriding} SELECT * FROM unnest(${columns.map((c, i) => `$${i + 1}::${types.get(c)}[]`).join(', ')})`, params);
    },
    async derive(table, select) {
      await client.query(`INSERT INTO ${q(table)} ${select}`);
    },
    async finish(tables) {
      // Identity sequences past the largest copied id, so the next row gets a new one.
      for (const t of tables) {
        for (const c of t.columns.filter((c) => c.identity)) {
          await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), GREATEST(coalesce(max(${q(c.name)}), 0), 1), max(${q(c.name)}) IS NOT NULL) FROM ${q(t.name)}`, [q(t.name), c.name]);
        }
      }
    },
    async chain() {
      return chainUnchainedPg(clientSql(client as pg.PoolClient));
    },
    async commit() {
      await client.query('COMMIT');
      // Monthly partitions for every month the copied events fall in (rows move out of the default partition).
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      try {
        for (const table of PARTITIONED) {
          const { rows } = await pool.query<{ lo: string | null; hi: string | null }>(`SELECT min(at)::text AS lo, max(at)::text AS hi FROM ${table}_default`);
          if (rows[0]?.lo == null) continue;
          for (let m = monthStart(Number(rows[0].lo)); m <= Number(rows[0].hi); m = monthStart(m, 1)) await ensureMonths(pool, m, 0);
        }
      } finally {
        await pool.end();
      }
    },
    async rollback() {
      await client.query('ROLLBACK').catch(() => undefined);
    },
    async close() {
      if (mode === 'source') await client.query('COMMIT').catch(() => undefined);
      await client.end();
    },
  };
  return side;
}

// ---------------------------------------------------------------------------------------------

export interface CopyOptions {
  force?: boolean;
  /** Progress and results, one line each. */
  progress?: (line: string) => void;
  /** Rows per batch (default 2,000). */
  batch?: number;
}

/** Copies every table of `from` into `to` (migrated first), verifies and answers the comparison. */
export async function copyDatabase(from: string, to: string, options: CopyOptions = {}): Promise<CopyReport> {
  const say = options.progress ?? (() => undefined);
  const batch = options.batch ?? 2000;
  if (from === to) throw new UsageError('--from and --to name the same database');
  if (!isPostgresUrl(from)) {
    const { existsSync } = await import('node:fs');
    if (!existsSync(from)) throw new UsageError(`no database at ${from}`);
  }
  // The target's schema, as its collector would make it.
  const migrated = await openStorage(to, { poolSize: 1 });
  await migrated.close();

  const source = isPostgresUrl(from) ? await postgresSide(from, 'source') : sqliteSide(from, 'source');
  let target: Source & Target;
  try {
    target = isPostgresUrl(to) ? await postgresSide(to, 'target') : sqliteSide(to, 'target');
  } catch (error) {
    await source.close();
    throw error;
  }
  try {
    say(`copying ${source.describe} → ${target.describe}`);
    const sourceTables = new Map((await source.tables()).filter((t) => !SKIP.has(t.name)).map((t) => [t.name, t]));
    const targetTables = new Map((await target.tables()).filter((t) => !SKIP.has(t.name)).map((t) => [t.name, t]));
    // A source made before migration 022: its reversals are moved into the ledger below, not copied as a table.
    const legacyReversals = sourceTables.has(LEGACY_REVERSALS) && !targetTables.has(LEGACY_REVERSALS);
    if (legacyReversals) sourceTables.delete(LEGACY_REVERSALS);
    for (const [name, table] of sourceTables) {
      if (DERIVED[name] && !targetTables.has(name)) continue;
      const there = targetTables.get(name);
      if (!there) throw new UsageError(`table ${name} is in ${source.describe} but not in ${target.describe}: upgrade the target's collector first`);
      const missing = table.columns.filter((c) => !there.columns.some((t) => t.name === c.name));
      if (missing.length > 0) throw new UsageError(`column(s) ${missing.map((c) => `${name}.${c.name}`).join(', ')} are not in ${target.describe}: upgrade the target's collector first`);
    }
    const copied = await target.order([...targetTables.keys()].filter((n) => sourceTables.has(n)));
    const derived = [...targetTables.keys()].filter((n) => !sourceTables.has(n) && DERIVED[n] !== undefined);
    const unknown = [...targetTables.keys()].filter((n) => !sourceTables.has(n) && DERIVED[n] === undefined);
    if (unknown.length > 0) say(`  left empty (not in the source): ${unknown.join(', ')}`);
    for (const name of copied) {
      const extra = targetTables.get(name)!.columns.filter((c) => !sourceTables.get(name)!.columns.some((s) => s.name === c.name));
      if (extra.length > 0) say(`  warning: ${extra.map((c) => `${name}.${c.name}`).join(', ')} not in the source: left to the target's default`);
    }

    const existing: string[] = [];
    for (const t of targetTables.keys()) if ((await target.count(t)) > 0) existing.push(t);
    if (existing.length > 0 && !options.force) {
      throw new UsageError(`${target.describe} is not empty (${existing.join(', ')} hold rows); copy into an empty database, or pass --force to replace its contents`);
    }

    let chained = 0;
    let moved = 0;
    await target.begin();
    try {
      if (existing.length > 0) {
        say(`  --force: emptying ${[...targetTables.keys()].join(', ')}`);
        await target.clear([...targetTables.keys()]);
      }
      for (const name of copied) {
        const table = targetTables.get(name)!;
        const columns = sourceTables.get(name)!.columns.map((c) => c.name);
        const total = await source.count(name);
        let done = 0;
        let told = Date.now();
        for await (const rows of source.rows(name, columns, batch)) {
          await target.insert(table, columns, rows);
          done += rows.length;
          if (Date.now() - told > 2000) {
            say(`  ${name}: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} rows`);
            told = Date.now();
          }
        }
        say(`  ${name}: ${done.toLocaleString('en-US')} row${done === 1 ? '' : 's'}`);
      }
      for (const name of derived) {
        await target.derive(name, DERIVED[name]!);
        say(`  ${name}: derived from the event tables`);
      }
      await target.finish([...targetTables.values()]);
      if (legacyReversals) {
        // After `finish`: the target's ids go on past the copied entries.
        for await (const rows of source.rows(LEGACY_REVERSALS, REVERSAL_COLUMNS, batch, 'id')) {
          await target.insert(targetTables.get('ledger_entries')!, [...REVERSAL_COLUMNS, 'kind', 'event_id'], rows.map((r) => ({ ...r, kind: 'reversal', event_id: null })));
          moved += rows.length;
        }
        say(`  ${LEGACY_REVERSALS}: ${moved} reversing entr${moved === 1 ? 'y' : 'ies'} of a source made before migration 022, moved into ledger_entries (kind reversal)`);
      }
      // A source made before migration 011 may hold entries it never chained (chained lazily then), one before 022 its reversals.
      chained = await target.chain();
      if (chained > 0) say(`  ledger_chain: ${chained} ledger entr${chained === 1 ? 'y' : 'ies'} the source left unchained, chained`);
      await target.commit();
    } catch (error) {
      await target.rollback();
      throw error;
    }

    // Verification: the source's snapshot against the committed target.
    const report: CopyReport = { tables: [], ledger: [], ok: true };
    // Rows the target holds beyond the source's: links made for what the source left unchained, its moved reversals.
    const added = (name: string) => (name === 'ledger_chain' ? chained : name === 'ledger_entries' ? moved : 0);
    for (const name of copied) {
      const [s, t] = [await source.count(name), await target.count(name)];
      report.tables.push({ table: name, source: s, target: t });
      if (s + added(name) !== t) report.ok = false;
    }
    const [ls, lt] = [await source.ledger(), await target.ledger()];
    for (const key of new Set([...ls.keys(), ...lt.keys()])) {
      const [accountId = '', currency = ''] = key.split(' ');
      const row = { accountId, currency, source: ls.get(key) ?? 'none', target: lt.get(key) ?? 'none' };
      report.ledger.push(row);
      if (row.source !== row.target) report.ok = false;
    }
    say('verification (source = target):');
    for (const r of report.tables) {
      const expected = r.source + added(r.table);
      const note = r.table === 'ledger_chain' ? `  (+${chained} chained)` : `  (+${moved} moved reversals)`;
      say(`  ${r.table.padEnd(20)} ${String(r.source).padStart(10)} ${String(r.target).padStart(10)}${expected === r.target ? (expected === r.source ? '' : note) : '  MISMATCH'}`);
    }
    for (const r of report.ledger) say(`  ledger ${r.accountId} ${r.currency}: ${r.source} | ${r.target}${r.source === r.target ? '' : '  MISMATCH'}`);
    say(report.ok ? 'copy verified: every table and every ledger sum match' : 'copy NOT verified: see MISMATCH above');
    return report;
  } finally {
    await source.close();
    await target.close();
  }
}
