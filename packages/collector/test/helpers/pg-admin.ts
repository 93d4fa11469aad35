// The PostgreSQL client comes with the PostgreSQL adapter; loaded only on that half of the matrix.

/** One statement on the server's maintenance database (CREATE/DROP DATABASE cannot run in a transaction). */
export async function adminQuery(server: string, sql: string): Promise<void> {
  const specifier = 'pg';
  const pg = (await import(specifier)) as { default: { Client: new (o: { connectionString: string }) => { connect(): Promise<void>; query(q: string): Promise<unknown>; end(): Promise<void> } } };
  const client = new pg.default.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
