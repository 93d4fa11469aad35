import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { SignalChannel, Signals } from '../port.js';
import { storageError } from './faults.js';
import { groupCommit } from './group-commit.js';

/** NOTIFY carries less than 8000 bytes; past this, the payload goes in a row and the notification names it. */
const MAX_NOTIFY_BYTES = 7900;
/**
 * How long a published signal may wait for others to share its NOTIFY: live updates and
 * revocations must reach other instances within a second; 25 ms is invisible there and makes
 * one statement of what would be dozens under load.
 */
export const PUBLISH_WINDOW_MS = 25;
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
    let items: (string | { row: string })[];
    try {
      items = JSON.parse(raw.slice(cut + 1)) as (string | { row: string })[];
    } catch {
      return log(`signals: an unreadable ${channel} notification was ignored`);
    }
    for (const item of items) {
      if (typeof item === 'string') {
        deliver(channel, item);
        continue;
      }
      try {
        const { rows } = await pool.query<{ payload: string }>('SELECT payload FROM signal_payloads WHERE id = $1', [item.row]);
        if (rows[0]) deliver(channel, rows[0].payload);
      } catch (error) {
        log(`signals: cannot read a large ${channel} signal: ${(error as Error).message}`);
      }
    }
  };

  /**
   * Signals published within PUBLISH_WINDOW_MS of each other (or while the previous NOTIFY was on
   * its way) go out together: per channel, as few notifications as fit 7,900 bytes each, a payload
   * too large for one as a pointer to a `signal_payloads` row. One NOTIFY per beacon (or per turn
   * of the event loop) would cost a statement of its own in the database per few clicks, and a
   * wake-up in every other instance: under load the live signals took about a third of the CPU
   * a PostgreSQL beacon costs (measured with `bench/postgres.mjs`).
   */
  const send = groupCommit(async (batch: { channel: SignalChannel; payload: string }[]) => {
    try {
      // Each notification: `<instance> [item,item,…]`, items JSON text, measured once each.
      const room = MAX_NOTIFY_BYTES - Buffer.byteLength(instance) - 3;
      const byChannel = new Map<SignalChannel, { items: string[]; bytes: number }[]>();
      for (const { channel, payload } of batch) {
        let item = JSON.stringify(payload);
        let bytes = Buffer.byteLength(item);
        if (bytes > MAX_NOTIFY_BYTES - 100) {
          const { rows } = await pool.query<{ id: string }>('INSERT INTO signal_payloads (payload, at) VALUES ($1, $2) RETURNING id::text', [payload, Date.now()]);
          item = JSON.stringify({ row: rows[0]!.id });
          bytes = Buffer.byteLength(item);
          // Pointers are read within a second; keep a minute's and clear the rest.
          void pool.query('DELETE FROM signal_payloads WHERE at < $1', [Date.now() - 60_000]).catch(() => undefined);
        }
        let messages = byChannel.get(channel);
        if (!messages) byChannel.set(channel, (messages = []));
        const last = messages[messages.length - 1];
        if (last && last.bytes + 1 + bytes <= room) {
          last.items.push(item);
          last.bytes += 1 + bytes;
        } else messages.push({ items: [item], bytes });
      }
      const channels: string[] = [];
      const payloads: string[] = [];
      for (const [channel, messages] of byChannel) {
        for (const m of messages) {
          channels.push(channelName(channel));
          payloads.push(`${instance} [${m.items.join(',')}]`);
        }
      }
      await pool.query('SELECT pg_notify(c, p) FROM unnest($1::text[], $2::text[]) AS n(c, p)', [channels, payloads]);
    } catch (error) {
      throw storageError(error);
    }
    return batch.map(() => undefined);
  });

  /** Publishes waiting for the window to close, and its timer. */
  let waiting: { channel: SignalChannel; payload: string; resolve: () => void; reject: (e: unknown) => void }[] = [];
  let windowTimer: NodeJS.Timeout | undefined;
  const sendWaiting = () => {
    clearTimeout(windowTimer);
    windowTimer = undefined;
    const batch = waiting;
    waiting = [];
    if (batch.length === 0) return Promise.resolve();
    return send(batch.map(({ channel, payload }) => ({ channel, payload }))).then(
      () => batch.forEach((w) => w.resolve()),
      (error: unknown) => batch.forEach((w) => w.reject(error)),
    );
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
      // After close (a collector shutting down still finishing requests): this process heard it; nobody else will.
      if (closed) return;
      await new Promise<void>((resolve, reject) => {
        waiting.push({ channel, payload, resolve, reject });
        windowTimer ??= setTimeout(() => void sendWaiting(), PUBLISH_WINDOW_MS);
      });
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
      // What was published before closing still goes out.
      await sendWaiting();
      await connecting;
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
