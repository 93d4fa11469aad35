import type { Hold, IntegrityRule } from './rules.js';
import type { HoldState, ReviewRecord, ReversingEntry } from './review.js';

/**
 * "Why?" lines for holds, in the voice of the attribution explanations (services/explain.ts):
 * whole sentences, the rule's name and the facts behind it. An affiliate reads the same lines
 * for its own orders: they name the rule and the evidence about this order, never another
 * visitor's or account's signals.
 */

export const RULE_NAMES: Record<IntegrityRule, string> = {
  self_referral: 'self-referral',
  click_burst: 'click burst',
  stuffing: 'cookie stuffing',
  order_velocity: 'order velocity',
};

const iso = (t: number) => new Date(t).toISOString();

/** One sentence per hold: `Held by the click burst rule: 11 clicks from one visitor … .` */
export function explainHold(hold: Hold): string {
  return `Held by the ${RULE_NAMES[hold.rule]} rule (${hold.rule}): ${hold.detail}.`;
}

export interface HoldExplanationInput {
  hold: HoldState;
  holds: readonly Hold[];
  review?: ReviewRecord | null | undefined;
  /** The entries a rejection appended. */
  reversals?: readonly Pick<ReversingEntry, 'amount' | 'currency'>[] | undefined;
}

/**
 * The integrity lines of an order's explanation: none for an order no rule held; else what the
 * state means for its money, then the review (if any), then one line per hold.
 */
export function explainIntegrity(input: HoldExplanationInput): string[] {
  if (input.hold === 'none' || input.holds.length === 0) return [];
  const lines: string[] = [];
  const r = input.review;
  const note = r?.note ? ` Note: "${r.note}"` : '';
  if (input.hold === 'on_hold') {
    lines.push('On hold until an admin reviews it: its ledger entries are written as usual but count as onHold and are not payable.');
  } else if (input.hold === 'released') {
    lines.push(`Released${r ? ` by ${r.by} at ${iso(r.at)}` : ''}: it was held, and now earns as usual.${note}`);
  } else {
    const totals = new Map<string, bigint>();
    for (const e of input.reversals ?? []) totals.set(e.currency, (totals.get(e.currency) ?? 0n) + BigInt(e.amount));
    const reversed = totals.size === 0
      ? 'It had earned nothing, so nothing was reversed.'
      : `Reversing ledger entries undo what it had earned: ${[...totals].map(([c, n]) => `${n} ${c}`).join(', ')} (minor units).`;
    lines.push(`Rejected${r ? ` by ${r.by} at ${iso(r.at)}` : ''}: it earns nothing. ${reversed}${note}`);
  }
  for (const h of input.holds) lines.push(explainHold(h));
  return lines;
}
