// The PostgreSQL client comes with the PostgreSQL adapter; loaded only on that half of the matrix.

type Client = { connect(): Promise<void>; query(q: string): Promise<{ rows: Record<string, unknown>[] }>; end(): Promise<void> };

/** Statements on one connection to the database `url` names (for the server's admin work, its maintenance database); the last one's rows. */
export async function adminQuery(url: string, ...statements: string[]): Promise<Record<string, unknown>[]> {
  const specifier = 'pg';
  const pg = (await import(specifier)) as { default: { Client: new (o: { connectionString: string; statement_timeout?: number }) => Client } };
  const client = new pg.default.Client({ connectionString: url, statement_timeout: 10_000 });
  await client.connect();
  try {
    let rows: Record<string, unknown>[] = [];
    for (const sql of statements) rows = (await client.query(sql)).rows;
    return rows;
  } finally {
    await client.end();
  }
}
