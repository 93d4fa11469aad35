// One statement on its own connection (CREATE / DROP DATABASE around a bench run): shared by the PostgreSQL benches.
import pg from 'pg';

export async function pgOnce(server, sql) {
  const c = new pg.Client({ connectionString: server });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
