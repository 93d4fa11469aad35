/**
 * When an order event may say it happened (SPEC §4.2). Its ledger entry is dated `at`, and reports
 * count earnings by that date: an `at` before the order, before the shipment of what is returned,
 * or in the future would put earnings where no report of the real period finds them.
 */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

export interface EventTimeFacts {
  type: 'shipped' | 'cancelled' | 'returned';
  /** The event's time (the receive time when the merchant sent none). */
  at: number;
  /** False when `at` was omitted and is the receive time. */
  atGiven: boolean;
  orderedAt: number;
  now: number;
  /** Earlier shipments of the order: when, and units per line. */
  shipments: readonly { at: number; items: readonly { lineId: string; quantity: number }[] }[];
  /** Units this event moves per line, and per line the units returned before it. */
  moved: readonly { lineId: string; quantity: number }[];
  returnedBefore: ReadonlyMap<string, number>;
}

const iso = (t: number) => new Date(t).toISOString();

/** Why the event cannot carry this time, or undefined when it can. Pure. */
export function eventTimeProblem(f: EventTimeFacts): string | undefined {
  const which = f.atGiven ? `at (${iso(f.at)})` : `at (omitted, so the time received: ${iso(f.at)})`;
  if (f.at > f.now + FUTURE_TOLERANCE_MS) return `${which} is more than 5 minutes in the future (the collector's time is ${iso(f.now)})`;
  if (f.at < f.orderedAt) return `${which} is before the order's orderedAt (${iso(f.orderedAt)})`;
  if (f.type !== 'returned') return undefined;
  for (const m of f.moved) {
    // Units of the line shipped by `at` must cover every return so far plus this one.
    const shippedBy = f.shipments.filter((s) => s.at <= f.at).reduce((n, s) => n + s.items.filter((i) => i.lineId === m.lineId).reduce((k, i) => k + i.quantity, 0), 0);
    const needed = (f.returnedBefore.get(m.lineId) ?? 0) + m.quantity;
    if (shippedBy < needed) return `${which} is before the shipment of what it returns (line "${m.lineId}": ${shippedBy} unit(s) shipped by then, ${needed} returned)`;
  }
  return undefined;
}
