// The PostgreSQL client comes with the PostgreSQL adapter; loaded only on that half of the matrix.

type Client = { connect(): Promise<void>; query(q: string): Promise<{ rows: Record<string, unknown>[] }>; end(): Promise<void> };
/** One statement's rows, on the connection an `adminSession` holds. */
export type AdminQuery = (sql: string) => Promise<Record<string, unknown>[]>;

/** `work` on one connection to the database `url` names (for the server's admin work, its maintenance database), closed after it. */
export async function adminSession<T>(url: string, work: (query: AdminQuery) => Promise<T>): Promise<T> {
  const specifier = 'pg';
  const pg = (await import(specifier)) as { default: { Client: new (o: { connectionString: string; statement_timeout?: number }) => Client } };
  const client = new pg.default.Client({ connectionString: url, statement_timeout: 10_000 });
  await client.connect();
  try {
    return await work(async (sql) => (await client.query(sql)).rows);
  } finally {
    await client.end();
  }
}

/** Statements on one connection to the database `url` names; the last one's rows. */
export async function adminQuery(url: string, ...statements: string[]): Promise<Record<string, unknown>[]> {
  return adminSession(url, async (query) => {
    let rows: Record<string, unknown>[] = [];
    for (const sql of statements) rows = await query(sql);
    return rows;
  });
}

/**
 * A database's schema print (column `print`): tables (partitions of a later month aside), indexes,
 * triggers and whether they fire, functions. A used copy of the migrated template whose print is
 * still the template's can be emptied and reused (backend.ts); pg-template.ts prints the template.
 */
export const SCHEMA_PRINT = `SELECT md5(string_agg(x, ',' ORDER BY x)) AS print FROM (
  SELECT c.relname || ':' || c.relkind::text AS x FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'public' AND NOT c.relispartition AND c.relkind IN ('r', 'p', 'i', 'I', 'S', 'v', 'm')
  UNION ALL SELECT t.tgname || ':' || t.tgenabled::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND NOT c.relispartition
  UNION ALL SELECT p.proname || ':' || md5(p.prosrc) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
) s`;
