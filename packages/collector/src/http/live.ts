import type { Request, Response } from 'express';
import type { LiveEvent } from '../services/context.js';
import type { Principal } from '../services/principal.js';

export interface LiveHub {
  publish(event: LiveEvent): void;
  subscribe(req: Request, res: Response, principal: Principal): void;
  close(): void;
}

/** Server-Sent Events for `/v1/stream`: each listener gets what its key may see. */
export function liveHub(): LiveHub {
  const listeners = new Set<{ res: Response; accountId: string | null }>();
  let nextId = 1;
  return {
    publish(event) {
      if (listeners.size === 0) return;
      const frame = `id: ${nextId++}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
      for (const l of listeners) if (l.accountId === null || l.accountId === event.accountId) l.res.write(frame);
    },
    subscribe(req, res, principal) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      res.write(': connected\n\n');
      const listener = { res, accountId: principal.role === 'admin' ? null : principal.accountId };
      listeners.add(listener);
      // Comments keep proxies from closing an idle stream.
      const keepAlive = setInterval(() => res.write(': ping\n\n'), 25_000);
      req.on('close', () => {
        clearInterval(keepAlive);
        listeners.delete(listener);
      });
    },
    close() {
      for (const l of listeners) l.res.end();
      listeners.clear();
    },
  };
}
