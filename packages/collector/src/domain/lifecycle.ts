import { lineCommission } from './money.js';

/** Where one order line stands: units ordered and what has happened to them since. */
export interface LineState {
  lineId: string;
  unitAmount: number;
  quantity: number;
  cancelled: number;
  shipped: number;
  returned: number;
  /** The rate recorded when the order was attributed; null when the line earns nothing. */
  rateBp: number | null;
}

export type OrderEventType = 'shipped' | 'cancelled' | 'returned';

export interface OrderEventInput {
  type: OrderEventType;
  /** Units per line; undefined means every remaining unit of every line. */
  items?: readonly { lineId: string; quantity: number }[] | undefined;
}

/** A signed money movement for one line: the change in what the line has earned. */
export interface Adjustment {
  lineId: string;
  quantity: number;
  amount: number;
}

export type EventOutcome =
  | { ok: true; lines: LineState[]; adjustments: Adjustment[]; moved: { lineId: string; quantity: number }[] }
  | { ok: false; code: 'unknown_line' | 'too_many_units' | 'nothing_to_apply' | 'duplicate_line'; detail: string; path?: string };

/** Units still open: neither shipped nor cancelled. */
export const openUnits = (l: LineState): number => l.quantity - l.cancelled - l.shipped;

/** Commission not yet earned or cancelled (SPEC §5.6: ordered − cancelled − shipped). */
export const pendingCommission = (l: LineState): number =>
  l.rateBp === null ? 0 : lineCommission(l.unitAmount, openUnits(l), l.rateBp);

/** Commission earned so far (SPEC §5.6: shipped − returned). */
export const earnedCommission = (l: LineState): number =>
  l.rateBp === null ? 0 : lineCommission(l.unitAmount, l.shipped - l.returned, l.rateBp);

function available(line: LineState, type: OrderEventType): number {
  return type === 'returned' ? line.shipped - line.returned : openUnits(line);
}

/**
 * Applies a shipment, cancellation or return. Each adjustment is the earned commission after
 * the event minus before it, so the ledger of a line always sums to what the line has earned
 * and returning every shipped unit nets to exactly zero. History is never rewritten: the
 * caller appends the adjustments.
 */
export function applyOrderEvent(lines: readonly LineState[], event: OrderEventInput): EventOutcome {
  const requested = new Map<string, number>();
  if (event.items) {
    for (const [index, item] of event.items.entries()) {
      const line = lines.find((l) => l.lineId === item.lineId);
      if (!line) return { ok: false, code: 'unknown_line', detail: `items[${index}].lineId: the order has no line "${item.lineId}"`, path: `items[${index}].lineId` };
      if (requested.has(item.lineId)) return { ok: false, code: 'duplicate_line', detail: `items[${index}].lineId: line "${item.lineId}" is listed twice`, path: `items[${index}].lineId` };
      const free = available(line, event.type);
      if (item.quantity > free) {
        const what = event.type === 'returned' ? 'shipped and not yet returned' : 'open (not shipped or cancelled)';
        return { ok: false, code: 'too_many_units', detail: `items[${index}].quantity: ${item.quantity} unit(s) of line "${item.lineId}" ${event.type}, but only ${free} ${free === 1 ? 'is' : 'are'} ${what}`, path: `items[${index}].quantity` };
      }
      requested.set(item.lineId, item.quantity);
    }
  } else {
    for (const line of lines) {
      const free = available(line, event.type);
      if (free > 0) requested.set(line.lineId, free);
    }
    if (requested.size === 0) {
      const what = event.type === 'returned' ? 'no shipped unit is left to return' : 'no unit is left open';
      return { ok: false, code: 'nothing_to_apply', detail: `items: omitted means every remaining unit, but ${what}` };
    }
  }

  const adjustments: Adjustment[] = [];
  const moved: { lineId: string; quantity: number }[] = [];
  const next = lines.map((line) => {
    const quantity = requested.get(line.lineId);
    if (!quantity) return line;
    const after: LineState = { ...line };
    if (event.type === 'shipped') after.shipped += quantity;
    else if (event.type === 'cancelled') after.cancelled += quantity;
    else after.returned += quantity;
    moved.push({ lineId: line.lineId, quantity });
    if (line.rateBp !== null && event.type !== 'cancelled') {
      adjustments.push({ lineId: line.lineId, quantity, amount: earnedCommission(after) - earnedCommission(line) });
    }
    return after;
  });
  return { ok: true, lines: next, adjustments, moved };
}
