import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The PostgreSQL server tests may use (`AFFIL_TEST_PG`), or undefined: those tests are skipped. */
export const PG_URL = process.env.AFFIL_TEST_PG;

/** `url` with another database (and, optionally, another host:port). */
export function withDatabase(url: string, database: string, hostPort?: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (hostPort) u.host = hostPort;
  return u.toString();
}

/**
 * A database of its own for one test, `affil_t_<random>`, made on the shared server; `drop`
 * removes it (closing whatever connections are left).
 */
export async function scratchDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  if (!PG_URL) throw new Error('AFFIL_TEST_PG is not set');
  const name = `affil_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(PG_URL, name),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Runs one statement on `url` on a connection of its own (to look at what the adapter wrote). */
export async function query<T extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

/**
 * A TCP proxy in front of the shared server that a test can cut (every connection dropped and
 * new ones refused) and restore on the same port: a database outage without stopping the
 * server other tests use.
 */
export async function cuttableProxy(target: { host: string; port: number }): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        sockets.add(client).add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await listen();
  return { port, cut: stop, restore: listen, close: stop };
}

/** PostgreSQL's server programs (initdb, pg_ctl) on this machine, or undefined. */
export function postgresBinaries(): string | undefined {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (existsSync(join(dir, 'initdb'))) return dir;
  } catch {
    // No pg_config: Debian keeps the server's programs per version.
  }
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  return versions.map((v) => `/usr/lib/postgresql/${v}/bin`).find((dir) => existsSync(join(dir, 'initdb')));
}

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it at once). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/**
 * A private PostgreSQL cluster that checks passwords (scram-sha-256), unlike the shared server
 * (trust): for a wrong password at start. Made with initdb in a temporary folder, on a free port
 * of 127.0.0.1; `stop` stops it and removes the folder. As root, the server runs as `postgres`
 * (PostgreSQL refuses to run as root).
 */
export async function passwordCluster(bin: string): Promise<{ url: string; password: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'affil-pgc-'));
  const asServer = (program: string, args: string[]) =>
    process.getuid?.() === 0 ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, program), ...args], { stdio: 'ignore' }) : execFileSync(join(bin, program), args, { stdio: 'ignore' });
  const password = randomBytes(12).toString('hex');
  const data = join(dir, 'data');
  let started = false;
  const stop = async () => {
    if (started) asServer('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    writeFileSync(join(dir, 'pw'), password);
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
      chownSync(dir, uid, gid);
      chownSync(join(dir, 'pw'), uid, gid);
    }
    asServer('initdb', ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${join(dir, 'pw')}`, '--no-sync', '-E', 'UTF8', '--no-instructions']);
    const port = await freePort();
    asServer('pg_ctl', ['-D', data, '-w', '-t', '30', '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
    started = true;
    return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, password, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
