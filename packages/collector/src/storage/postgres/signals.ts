import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { SignalChannel, Signals } from '../port.js';
import { storageError } from './faults.js';

/** NOTIFY carries less than 8000 bytes; past this, the payload goes in a row and the notification names it. */
const MAX_NOTIFY_BYTES = 7900;
const channelName = (channel: SignalChannel) => `affil_${channel}`;

/**
 * Cross-instance signals on LISTEN/NOTIFY. Publishing is `pg_notify` on any pooled connection;
 * listening is one dedicated connection per adapter, made on the first subscribe and made again,
 * with backoff, whenever it drops (a database restart), listening to every subscribed channel.
 * A notification goes to every listening session, this one's included: each carries the
 * publisher's instance id, and an instance delivers its own signals in-process at once instead
 * (no round trip, and they arrive even while the listener reconnects). Signals sent while a
 * listener is away are not replayed: state that must not be missed (revocations) is also
 * readable from the database.
 */
export function pgSignals(pool: pg.Pool, config: pg.ClientConfig, log: (m: string) => void): Signals & { close(): Promise<void> } {
  const instance = randomUUID();
  const subscribers = new Map<SignalChannel, Set<(payload: string) => void>>();
  let client: pg.Client | undefined;
  let connecting: Promise<void> | undefined;
  let closed = false;
  let backoff = 250;
  let retry: NodeJS.Timeout | undefined;

  const deliver = (channel: SignalChannel, payload: string) => {
    for (const fn of subscribers.get(channel) ?? []) {
      try {
        fn(payload);
      } catch (error) {
        log(`signals: a ${channel} subscriber failed: ${(error as Error).message}`);
      }
    }
  };

  const onNotification = async (message: pg.Notification) => {
    const channel = message.channel.replace(/^affil_/, '') as SignalChannel;
    const raw = message.payload ?? '';
    const cut = raw.indexOf(' ');
    if (cut < 0 || raw.slice(0, cut) === instance) return;
    let payload = raw.slice(cut + 1);
    if (payload.startsWith('@row:')) {
      try {
        const { rows } = await pool.query<{ payload: string }>('SELECT payload FROM signal_payloads WHERE id = $1', [payload.slice(5)]);
        if (!rows[0]) return;
        payload = rows[0].payload;
      } catch (error) {
        return log(`signals: cannot read a large ${channel} signal: ${(error as Error).message}`);
      }
    }
    deliver(channel, payload);
  };

  const reconnectLater = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, backoff);
    retry.unref();
    backoff = Math.min(backoff * 2, 5000);
  };

  async function connect(): Promise<void> {
    if (closed || client || connecting) return connecting;
    const c = new pg.Client(config);
    c.on('notification', (m) => void onNotification(m));
    const lost = (why: string) => {
      if (client !== c) return;
      client = undefined;
      c.removeAllListeners('notification');
      void c.end().catch(() => undefined);
      if (!closed) log(`signals: listener connection lost (${why}); reconnecting`);
      reconnectLater();
    };
    c.on('error', (error) => lost(error.message));
    c.on('end', () => lost('closed'));
    connecting = (async () => {
      try {
        await c.connect();
        for (const channel of subscribers.keys()) await c.query(`LISTEN ${channelName(channel)}`);
        if (closed) return void (await c.end().catch(() => undefined));
        client = c;
        backoff = 250;
      } catch (error) {
        c.removeAllListeners('end');
        void c.end().catch(() => undefined);
        if (!closed) log(`signals: cannot listen yet (${(error as Error).message}); retrying`);
        reconnectLater();
      } finally {
        connecting = undefined;
      }
    })();
    return connecting;
  }

  return {
    remote: true,
    async publish(channel, payload) {
      deliver(channel, payload);
      try {
        let body = payload;
        if (Buffer.byteLength(`${instance} ${body}`) > MAX_NOTIFY_BYTES) {
          const { rows } = await pool.query<{ id: string }>(
            'INSERT INTO signal_payloads (payload, at) VALUES ($1, $2) RETURNING id::text',
            [payload, Date.now()],
          );
          body = `@row:${rows[0]!.id}`;
          // Old pointers are read within a second; keep a minute and clear the rest.
          void pool.query('DELETE FROM signal_payloads WHERE at < $1', [Date.now() - 60_000]).catch(() => undefined);
        }
        await pool.query('SELECT pg_notify($1, $2)', [channelName(channel), `${instance} ${body}`]);
      } catch (error) {
        throw storageError(error);
      }
    },
    subscribe(channel, fn) {
      let set = subscribers.get(channel);
      if (!set) {
        subscribers.set(channel, (set = new Set()));
        if (client) void client.query(`LISTEN ${channelName(channel)}`).catch((error: Error) => log(`signals: LISTEN failed: ${error.message}`));
      }
      set.add(fn);
      void connect();
      return () => void set.delete(fn);
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      await connecting;
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
