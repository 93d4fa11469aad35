import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does with one attempt. */
export type Behaviour =
  /** Answers this status with a problem body, without asking the collector. */
  | { answer: number }
  /** Closes the connection before anything reaches the collector. */
  | 'drop'
  /** Forwards to the collector, then closes the connection instead of answering: the answer is lost. */
  | 'forward-then-drop'
  /** Never answers (the client must time out). */
  | 'hang'
  /** Forwards and relays the answer. */
  | 'forward';

export interface Attempt {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  behaviour: Behaviour;
  /** The collector's status, when the attempt reached it. */
  upstreamStatus?: number;
}

export interface Proxy {
  url: string;
  attempts: Attempt[];
  close(): Promise<void>;
}

/**
 * A tiny HTTP server in front of a collector (or in front of nothing, with `target` undefined)
 * that misbehaves on purpose: attempt n gets `plan[n]`, and every later attempt the last entry.
 */
export async function startProxy(target: string | undefined, plan: Behaviour[]): Promise<Proxy> {
  const attempts: Attempt[] = [];
  const sockets = new Set<Socket>();

  async function forward(req: IncomingMessage, body: string): Promise<{ status: number; headers: Headers; text: string }> {
    if (!target) throw new Error('proxy: nothing to forward to');
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string' && !['host', 'connection', 'content-length'].includes(e[0])),
    );
    const res = await fetch(target + req.url, { method: req.method!, headers, ...(body ? { body } : {}) });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const behaviour = plan[Math.min(attempts.length, plan.length - 1)]!;
    const attempt: Attempt = { method: req.method!, path: req.url!, headers: req.headers, body, behaviour };
    attempts.push(attempt);
    if (behaviour === 'hang') return;
    if (behaviour === 'drop') {
      req.socket.destroy();
      return;
    }
    if (typeof behaviour === 'object') {
      res.writeHead(behaviour.answer, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'about:blank', title: 'Proxy says no', status: behaviour.answer, detail: `proxy answered ${behaviour.answer}` }));
      return;
    }
    const upstream = await forward(req, body);
    attempt.upstreamStatus = upstream.status;
    if (behaviour === 'forward-then-drop') {
      req.socket.destroy();
      return;
    }
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
    res.end(upstream.text);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(599).end(String(error));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    attempts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
