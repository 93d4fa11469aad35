/**
 * Which shipment a return, or an integrity rejection's reversal, reverses. The ledger stores a
 * return as its own entry for an order line and a quantity; money-out nets it against the bucket
 * of the shipment it takes back. Units are taken back first-shipped-first (the oldest shipment
 * entry of the line with units not yet returned); a return that spans two shipment entries is
 * linked to the first of them, which is the one whose money left first if either did. A
 * rejection's reversal (kind `reversal`) undoes the whole line: it is linked to the line's first
 * shipment, and takes no units back (nothing came back).
 */
export interface LineEntry { id: number; orderId: string; lineId: string; kind: string; quantity: number }

/** Entry id → the shipment entry id it reverses, for every return or reversal that has a shipment before it. */
export function linkReturns(entries: readonly LineEntry[]): Map<number, number> {
  const open = new Map<string, { id: number; left: number }[]>();
  const links = new Map<number, number>();
  for (const e of [...entries].sort((a, b) => a.id - b.id)) {
    const key = JSON.stringify([e.orderId, e.lineId]);
    const queue = open.get(key) ?? [];
    open.set(key, queue);
    if (e.kind === 'shipment') {
      queue.push({ id: e.id, left: e.quantity });
      continue;
    }
    if (e.kind === 'reversal') {
      if (queue[0]) links.set(e.id, queue[0].id);
      continue;
    }
    if (e.kind !== 'return') continue;
    let units = e.quantity;
    const first = queue.find((s) => s.left > 0);
    if (first) links.set(e.id, first.id);
    for (const s of queue) {
      if (units === 0) break;
      const take = Math.min(s.left, units);
      s.left -= take;
      units -= take;
    }
  }
  return links;
}
