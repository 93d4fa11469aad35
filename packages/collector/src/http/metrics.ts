import type { Observer } from '../services/context.js';
import type { RequestHandler } from 'express';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Registry } from 'prom-client';
import type { LiveStats } from './live.js';

/** What the services report as it happens, for `/metrics`. */
export type { Observer };

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Request counts and latencies by method, route (and status). Every request passes through here,
 * so it only bumps numbers in a map; prom-client (whose labelled metrics hash their labels on every
 * call, a large share of a beacon's cost) sees them when `/metrics` is scraped.
 */
function requestStats(registry: Registry) {
  const counts = new Map<string, { labels: { method: string; route: string; status: string }; n: number }>();
  const latencies = new Map<string, { labels: { method: string; route: string }; buckets: number[]; sum: number; count: number }>();
  new Counter({
    name: 'affil_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'] as const, registers: [registry],
    collect() {
      this.reset();
      for (const { labels, n } of counts.values()) this.inc(labels, n);
    },
  });
  const name = 'affil_http_request_duration_seconds';
  registry.registerMetric({
    name,
    help: 'HTTP request latency by method and route',
    type: 'histogram',
    get: async () => ({
      name, help: 'HTTP request latency by method and route', type: 'histogram', aggregator: 'sum',
      values: [...latencies.values()].flatMap(({ labels, buckets, sum, count }) => [
        ...LATENCY_BUCKETS.map((le, i) => ({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: buckets[i]! })),
        { metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count },
        { metricName: `${name}_sum`, labels, value: sum },
        { metricName: `${name}_count`, labels, value: count },
      ]),
    }),
  } as never);

  return (method: string, route: string, status: number, seconds: number): void => {
    const countKey = `${method} ${route} ${status}`;
    const counted = counts.get(countKey);
    if (counted) counted.n++;
    else counts.set(countKey, { labels: { method, route, status: String(status) }, n: 1 });
    const timeKey = `${method} ${route}`;
    let timed = latencies.get(timeKey);
    if (!timed) latencies.set(timeKey, (timed = { labels: { method, route }, buckets: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 }));
    // Cumulative buckets, as Prometheus wants them.
    for (let i = LATENCY_BUCKETS.length - 1; i >= 0 && seconds <= LATENCY_BUCKETS[i]!; i--) timed.buckets[i]!++;
    timed.sum += seconds;
    timed.count++;
  };
}

/**
 * The process's own figures, read when `/metrics` is scraped. (prom-client's default metrics also
 * watch every garbage collection, which costs every request something under load.)
 */
function processMetrics(registry: Registry) {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  const started = Date.now() / 1000;
  new Counter({
    name: 'affil_process_cpu_seconds_total', help: 'User and system CPU time spent, in seconds', registers: [registry],
    collect() {
      const { user, system } = process.cpuUsage();
      this.reset();
      this.inc((user + system) / 1e6);
    },
  });
  gauge('affil_process_resident_memory_bytes', 'Resident memory size in bytes', () => process.memoryUsage.rss());
  gauge('affil_process_heap_used_bytes', 'JavaScript heap in use, in bytes', () => process.memoryUsage().heapUsed);
  gauge('affil_process_start_time_seconds', 'Start time of the process since the Unix epoch, in seconds', () => started);
  gauge('affil_process_eventloop_lag_p99_seconds', 'Event loop delay, 99th percentile since the last scrape, in seconds', () => {
    const p99 = lag.percentile(99) / 1e9;
    lag.reset();
    return Number.isFinite(p99) ? p99 : 0;
  });
  return () => lag.disable();
}

/**
 * Prometheus metrics for one collector. Each collector has its own registry (several run in one
 * test process). Routes are labelled by their pattern, never the raw path, to bound cardinality.
 */
export function createMetrics() {
  const registry = new Registry();
  const stopProcess = processMetrics(registry);
  const record = requestStats(registry);
  // Per beacon too: plain numbers until a scrape.
  const outcomes = { accepted: 0, duplicate: 0, rejected: 0 };
  new Counter({
    name: 'affil_events_total', help: 'Beacon events by outcome', labelNames: ['outcome'] as const, registers: [registry],
    collect() {
      this.reset();
      for (const [outcome, n] of Object.entries(outcomes)) if (n) this.inc({ outcome }, n);
    },
  });
  const orders = new Counter({ name: 'affil_orders_total', help: 'Orders received, by whether they were attributed', labelNames: ['attributed'] as const, registers: [registry] });
  const ledger = new Counter({ name: 'affil_ledger_entries_total', help: 'Ledger entries written, by kind', labelNames: ['kind'] as const, registers: [registry] });

  const middleware: RequestHandler = (req, res, next) => {
    const start = performance.now();
    res.once('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : res.statusCode === 404 ? 'unmatched' : req.path.startsWith('/dashboard') ? '/dashboard' : 'other';
      record(req.method, route, res.statusCode, (performance.now() - start) / 1000);
    });
    next();
  };

  const observer: Observer = {
    events: (c) => {
      outcomes.accepted += c.accepted;
      outcomes.duplicate += c.duplicates;
      outcomes.rejected += c.rejected;
    },
    order: (attributed) => orders.inc({ attributed: String(attributed) }),
    ledgerEntries: (kind, count) => ledger.inc({ kind }, count),
  };

  const handler: RequestHandler = async (_req, res) => {
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  };

  /** Live stream figures, read at each scrape. */
  const watchLive = (stats: () => LiveStats): void => {
    new Gauge({ name: 'affil_live_streams', help: 'Open /v1/stream connections', registers: [registry], collect() { this.set(stats().open); } });
    new Counter({
      name: 'affil_live_streams_closed_total', help: 'Streams the collector closed, by reason (slow_consumer, revoked, shutdown)', labelNames: ['reason'] as const, registers: [registry],
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(stats().closed)) this.inc({ reason }, n);
      },
    });
  };

  return { registry, middleware, observer, handler, record, watchLive, close: stopProcess };
}
