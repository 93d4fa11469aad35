import { randomUUID } from 'node:crypto';
import type { Storage } from '../storage/port.js';
import type { ClaimedDelivery, DeliveryOutcome } from '../storage/outbox-port.js';
import { afterFailure } from '../domain/events-out/retry.js';
import { sendPostback, sendWebhook, type SendOptions, type SendResult } from '../outbound/send.js';

export interface WorkerOptions {
  /** Outbound requests: `allowPrivateTargets` (config `allowPrivateWebhookTargets`), `timeoutMs` (`webhookTimeoutMs`). */
  send?: SendOptions;
  /** Polling interval when no wake-up comes. Default 1 s. */
  pollMs?: number;
  /** Rows claimed at once. Default 20. */
  batch?: number;
  /** How long a claimed row is this instance's (default 2 × the request timeout + 5 s): past it, any instance takes it again. */
  leaseMs?: number;
  now?: () => number;
  random?: () => number;
  log?: (message: string) => void;
}

export interface DeliveryWorker {
  /** One round now: claims due rows and sends them; answers how many were sent. */
  runOnce(): Promise<number>;
  /** Stops polling and waits for the requests in flight to be recorded. */
  stop(): Promise<void>;
}

/**
 * The delivery worker (one per instance): claims due deliveries with a lease, sends each (webhooks
 * signed, postbacks as GET), records the attempt, and reschedules by the retry schedule; after 3
 * days of failures the row fails and its endpoint is disabled with the reason. Deliveries of one
 * target go out one at a time in a round.
 */
export function startDeliveryWorker(storage: Storage, options: WorkerOptions = {}): DeliveryWorker {
  const instance = randomUUID();
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const log = options.log ?? (() => {});
  const pollMs = options.pollMs ?? 1000;
  const batch = options.batch ?? 20;
  const timeoutMs = options.send?.timeoutMs ?? 10_000;
  const leaseMs = options.leaseMs ?? 2 * timeoutMs + 5_000;
  let stopped = false;
  let running: Promise<number> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  async function deliver(d: ClaimedDelivery): Promise<void> {
    const result: SendResult = d.targetKind === 'webhook'
      ? await sendWebhook({ url: d.url, secrets: d.secrets, eventId: d.eventId, body: d.payload }, options.send)
      : await sendPostback(d.url, options.send);
    const at = now();
    let outcome: DeliveryOutcome;
    if (result.ok) outcome = { status: 'delivered', at };
    else {
      const decision = afterFailure({ firstAttemptAt: d.firstAttemptAt, attempts: d.attempts, failedAt: at, lastError: result.error ?? `HTTP ${result.status}` }, random);
      outcome = decision.retry ? { status: 'pending', nextAttemptAt: decision.at } : { status: 'failed', at, reason: decision.reason };
    }
    const attempt = { at, durationMs: result.durationMs, statusCode: result.status, error: result.ok ? null : (result.error ?? null), response: result.response?.slice(0, 1024) ?? null, manual: d.manual };
    const kept = await storage.outbox.finish(d.id, instance, attempt, outcome);
    if (!kept) log(`events out: delivery ${d.id} was taken over by another instance (lease expired); this attempt's result is dropped`);
    if (outcome.status === 'failed') log(`events out: ${d.targetKind} ${d.targetId} disabled: ${outcome.reason}`);
  }

  async function round(): Promise<number> {
    const claimed = await storage.outbox.claim(instance, now(), leaseMs, batch);
    if (claimed.length === 0) return 0;
    // One request at a time per target; targets in parallel.
    const byTarget = new Map<string, ClaimedDelivery[]>();
    for (const d of claimed) {
      const key = `${d.targetKind}:${d.targetId}`;
      byTarget.set(key, [...(byTarget.get(key) ?? []), d]);
    }
    await Promise.all([...byTarget.values()].map(async (rows) => {
      for (const d of rows) {
        try {
          await deliver(d);
        } catch (error) {
          // The row stays in flight; its lease runs out and it is tried again.
          log(`events out: recording delivery ${d.id} failed: ${(error as Error).message}`);
        }
      }
    }));
    return claimed.length;
  }

  /** Rounds until nothing is due (a full batch means more may wait). */
  function runOnce(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      try {
        for (;;) {
          again = false;
          const n = await round();
          total += n;
          if (stopped || (n < batch && !again)) break;
        }
      } catch (error) {
        log(`events out: ${(error as Error).message}`);
      } finally {
        running = undefined;
      }
      return total;
    })();
    return running;
  }

  const tick = () => {
    if (stopped) return;
    void runOnce().finally(() => {
      if (!stopped) timer = setTimeout(tick, pollMs);
    });
  };
  const unsubscribe = storage.signals.subscribe('outbox', () => {
    if (!stopped) void runOnce();
  });
  timer = setTimeout(tick, 0);

  return {
    runOnce,
    async stop() {
      stopped = true;
      unsubscribe();
      clearTimeout(timer);
      await running;
    },
  };
}
