import type { IncomingMessage, ServerResponse } from 'node:http';
import { Problem } from '../errors.js';
import type { LiveEvent } from '../services/context.js';
import type { Principal } from '../services/principal.js';

export interface LiveOptions {
  /** Open streams one key may hold (`streamsPerKey`). */
  perKey: number;
  /** Open streams in all (`streamsTotal`). */
  total: number;
  /** How often pending clicks go out: at most one `clicks` message per stream per this many ms. Default 1,000. */
  flushMs?: number;
  /** After a message that could only carry a count (a busy channel), the next waits this long. Default 5,000. */
  busyFlushMs?: number;
  /** Comment lines that keep idle proxies from closing a stream. Default every 25 s. */
  heartbeatMs?: number;
  /** A stream whose unsent output passes this many bytes is closed, never buffered further. Default 256 KiB. */
  maxUnsentBytes?: number;
  /** Clicks carried one by one in a message; past this, the message carries only their count. Default 50. */
  maxClicksPerMessage?: number;
}

export type CloseReason = 'slow_consumer' | 'revoked' | 'shutdown';

export interface LiveStats {
  open: number;
  closed: Record<CloseReason, number>;
}

export interface LiveHub {
  publish(event: LiveEvent): void;
  /** Opens a stream for the principal, or throws a 429 problem past `perKey` or `total`. */
  subscribe(req: IncomingMessage, res: ServerResponse, principal: Principal): void;
  /** Ends every stream `keyId` opened (it was revoked); answers how many. */
  endKey(keyId: string): number;
  stats(): LiveStats;
  close(): void;
}

interface Stream {
  res: ServerResponse;
  keyId: string;
  channel: Channel;
  /** Event ids count per stream, so they say nothing about anyone else's activity. */
  nextId: number;
}

/** The streams that see the same events (the admin's, or one account's) and the clicks pending for them. */
interface Channel {
  streams: Set<Stream>;
  clicks: unknown[];
  count: number;
  /** No message before this time (epoch ms): a busy channel's readers learn a count every few seconds. */
  quietUntil: number;
}

const channel = (): Channel => ({ streams: new Set(), clicks: [], count: 0, quietUntil: 0 });

/**
 * Server-Sent Events for `/v1/stream` (SPEC §10). Streams that see the same thing share a
 * channel: the admin's streams one, each account's streams another. A click costs two pushes at
 * most (the admin channel and its account's), whatever the number of streams; every `flushMs`
 * each channel with new clicks serialises one `clicks` message, carrying the clicks or, past
 * `maxClicksPerMessage`, only their count (then the channel waits `busyFlushMs`: under heavy
 * traffic a reader learns a count every few seconds), and writes it to each of its streams. Orders and
 * adjustments are rare and go out one by one at once. A consumer that does not read is closed
 * once its unsent output passes `maxUnsentBytes`, so memory stays bounded whatever it does.
 */
export function liveHub(options: LiveOptions): LiveHub {
  const flushMs = options.flushMs ?? 1000;
  const busyFlushMs = options.busyFlushMs ?? 5000;
  const maxUnsent = options.maxUnsentBytes ?? 256 * 1024;
  const maxClicks = options.maxClicksPerMessage ?? 50;
  const admin = channel();
  const accounts = new Map<string, Channel>();
  const byKey = new Map<string, Set<Stream>>();
  const pending = new Set<Channel>();
  const closed: Record<CloseReason, number> = { slow_consumer: 0, revoked: 0, shutdown: 0 };
  let open = 0;
  let flushTimer: NodeJS.Timeout | undefined;

  const heartbeat = setInterval(() => {
    for (const streams of byKey.values()) for (const s of streams) write(s, ': ping\n\n');
  }, options.heartbeatMs ?? 25_000);
  heartbeat.unref();

  function remove(s: Stream): boolean {
    const own = byKey.get(s.keyId);
    if (!own?.delete(s)) return false;
    if (own.size === 0) byKey.delete(s.keyId);
    s.channel.streams.delete(s);
    open--;
    return true;
  }

  function drop(s: Stream, reason: CloseReason): void {
    if (!remove(s)) return;
    closed[reason]++;
    // A slow consumer's buffer is full: nothing more can reach it, so the socket goes now.
    if (reason === 'slow_consumer') s.res.destroy();
    else s.res.end();
  }

  function write(s: Stream, text: string): void {
    if (s.res.writableLength > maxUnsent) return drop(s, 'slow_consumer');
    s.res.write(text);
  }

  const send = (s: Stream, body: string): void => write(s, `id: ${s.nextId++}\n${body}`);

  function schedule(): void {
    if (flushTimer || pending.size === 0) return;
    flushTimer = setTimeout(flush, flushMs);
    flushTimer.unref();
  }

  function flush(): void {
    flushTimer = undefined;
    const now = Date.now();
    for (const c of pending) {
      if (now < c.quietUntil) continue;
      const busy = c.count > maxClicks;
      const body = `event: clicks\ndata: ${JSON.stringify(busy ? { count: c.count } : { clicks: c.clicks })}\n\n`;
      c.clicks = [];
      c.count = 0;
      c.quietUntil = busy ? now + busyFlushMs : 0;
      pending.delete(c);
      for (const s of c.streams) send(s, body);
    }
    schedule();
  }

  function addClick(c: Channel | undefined, click: unknown): void {
    if (!c || c.streams.size === 0) return;
    if (c.count++ < maxClicks) c.clicks.push(click);
    pending.add(c);
    schedule();
  }

  return {
    publish(event) {
      if (open === 0) return;
      const own = event.accountId === null ? undefined : accounts.get(event.accountId);
      if (event.type === 'click') {
        addClick(admin, event.data);
        addClick(own, event.data);
        return;
      }
      const body = `event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
      for (const s of admin.streams) send(s, body);
      if (own) for (const s of own.streams) send(s, body);
    },

    subscribe(_req, res, principal) {
      const own = byKey.get(principal.keyId);
      if ((own?.size ?? 0) >= options.perKey) {
        throw new Problem('rate_limited', `This key already holds ${options.perKey} open streams (streamsPerKey); close one before opening another`, { headers: { 'Retry-After': '30' } });
      }
      if (open >= options.total) {
        throw new Problem('rate_limited', `The collector already serves ${options.total} open streams (streamsTotal); retry later`, { headers: { 'Retry-After': '30' } });
      }
      let sees = admin;
      if (principal.role === 'account') {
        sees = accounts.get(principal.accountId) ?? channel();
        accounts.set(principal.accountId, sees);
      }
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      res.write(': connected\n\n');
      const stream: Stream = { res, keyId: principal.keyId, channel: sees, nextId: 1 };
      sees.streams.add(stream);
      if (own) own.add(stream);
      else byKey.set(principal.keyId, new Set([stream]));
      open++;
      // The response closes when the client hangs up (or the stream is ended here).
      res.once('close', () => {
        remove(stream);
        if (principal.role === 'account' && sees.streams.size === 0 && accounts.get(principal.accountId) === sees) accounts.delete(principal.accountId);
      });
    },

    endKey(keyId) {
      const streams = [...(byKey.get(keyId) ?? [])];
      for (const s of streams) drop(s, 'revoked');
      return streams.length;
    },

    stats: () => ({ open, closed: { ...closed } }),

    close() {
      clearInterval(heartbeat);
      clearTimeout(flushTimer);
      for (const streams of [...byKey.values()]) for (const s of [...streams]) drop(s, 'shutdown');
    },
  };
}
