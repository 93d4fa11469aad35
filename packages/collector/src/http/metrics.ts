import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the services report as it happens, for `/metrics`. */
export interface Observer {
  events(counts: { accepted: number; duplicates: number; rejected: number }): void;
  order(attributed: boolean): void;
  ledgerEntries(kind: 'shipment' | 'return', count: number): void;
}

/**
 * Prometheus metrics for one collector. Each collector has its own registry (several run in one
 * test process). Routes are labelled by their pattern, never the raw path, to bound cardinality.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'affil_process_' });
  const requests = new Counter({ name: 'affil_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'] as const, registers: [registry] });
  const latency = new Histogram({
    name: 'affil_http_request_duration_seconds', help: 'HTTP request latency by method and route', labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
  });
  const events = new Counter({ name: 'affil_events_total', help: 'Beacon events by outcome', labelNames: ['outcome'] as const, registers: [registry] });
  const orders = new Counter({ name: 'affil_orders_total', help: 'Orders received, by whether they were attributed', labelNames: ['attributed'] as const, registers: [registry] });
  const ledger = new Counter({ name: 'affil_ledger_entries_total', help: 'Ledger entries written, by kind', labelNames: ['kind'] as const, registers: [registry] });

  const middleware: RequestHandler = (req, res, next) => {
    const end = latency.startTimer();
    res.once('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : res.statusCode === 404 ? 'unmatched' : req.path.startsWith('/dashboard') ? '/dashboard' : 'other';
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      end({ method: req.method, route });
    });
    next();
  };

  const observer: Observer = {
    events: (c) => {
      if (c.accepted) events.inc({ outcome: 'accepted' }, c.accepted);
      if (c.duplicates) events.inc({ outcome: 'duplicate' }, c.duplicates);
      if (c.rejected) events.inc({ outcome: 'rejected' }, c.rejected);
    },
    order: (attributed) => orders.inc({ attributed: String(attributed) }),
    ledgerEntries: (kind, count) => ledger.inc({ kind }, count),
  };

  const handler: RequestHandler = async (_req, res) => {
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  };

  return { registry, middleware, observer, handler };
}
