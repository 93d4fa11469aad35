import { lineCommission } from './money.js';
import { rateFor, type Marketplace } from './marketplace.js';

export type LineReason =
  | 'ordered_within_click_window'
  | 'added_to_cart_within_click_window'
  | 'outside_window'
  | 'marketplace_not_enabled'
  | 'no_referral'
  | 'unregistered_tag'
  | 'bot_click'
  | 'click_after_order';

export type Rule = 'click_window' | 'cart_window' | 'none';

export interface OrderLineInput {
  lineId: string;
  sku: string;
  category: string;
  quantity: number;
  unitAmount: number;
  /** Epoch ms the merchant saw the item put in the cart, if it knows. */
  cartAddedAt?: number | undefined;
}

/** What is known about the click an order's referral points at. */
export interface ReferralFacts {
  /** The click ID, when the merchant captured one. */
  clickId: string | null;
  tag: string;
  /** Epoch ms: the server receive time of a stored click, else the merchant's `clickedAt`. */
  clickedAt: number;
  /** True when `clickId` names a click the collector stored. */
  verified: boolean;
  bot: boolean;
  /** Product ID (ASIN) of the clicked link, for direct vs indirect items. */
  product: string | null;
  /** The account owning `tag` and the marketplace it is for; absent when the tag is unregistered. */
  owner?: { accountId: string; marketplace: string } | undefined;
}

export interface AttributionInput {
  orderedAt: number;
  marketplace: Marketplace;
  lines: readonly OrderLineInput[];
  referral: ReferralFacts | null;
  /** The tag the referring account owns in the order's marketplace, if any (SPEC §5.5). */
  accountTagInMarketplace?: string | undefined;
  /** Times of recorded `cart_add` events for the referral's click, by sku. */
  cartAdds?: ReadonlyMap<string, readonly number[]> | undefined;
  clickWindowMs: number;
  cartWindowMs: number;
}

export interface AttributedLine {
  lineId: string;
  sku: string;
  attributed: boolean;
  direct: boolean;
  reason: LineReason;
  /** The rate applied (basis points); null on a line that earns nothing. */
  rateBp: number | null;
  quantity: number;
  commission: number;
}

export interface Attribution {
  attributed: boolean;
  rule: Rule;
  clickId: string | null;
  tag: string | null;
  creditedTag: string | null;
  accountId: string | null;
  unverifiedReferral: boolean;
  lines: AttributedLine[];
  commission: number;
}

/** Attributes an order to the click that referred it (SPEC §5). Pure: no clock, no I/O. */
export function attribute(input: AttributionInput): Attribution {
  const { referral } = input;
  const blocked = referralBlocker(input);
  const creditedTag = blocked ? null : creditedTagFor(input);
  const lines = input.lines.map((line) => {
    if (blocked) return uncredited(line, blocked);
    if (creditedTag === null) return uncredited(line, 'marketplace_not_enabled');
    const reason = windowReason(input, line);
    if (reason === 'outside_window') return uncredited(line, reason);
    const rateBp = rateFor(input.marketplace, line.category);
    return {
      lineId: line.lineId,
      sku: line.sku,
      attributed: true,
      direct: referral?.product != null && referral.product === line.sku,
      reason,
      rateBp,
      quantity: line.quantity,
      commission: lineCommission(line.unitAmount, line.quantity, rateBp),
    } satisfies AttributedLine;
  });
  const credited = lines.filter((l) => l.attributed);
  const attributed = credited.length > 0;
  return {
    attributed,
    rule: !attributed ? 'none' : credited.some((l) => l.reason === 'ordered_within_click_window') ? 'click_window' : 'cart_window',
    clickId: referral?.clickId ?? null,
    tag: referral?.tag ?? null,
    creditedTag: attributed ? creditedTag : null,
    accountId: attributed ? (referral?.owner?.accountId ?? null) : null,
    unverifiedReferral: referral !== null && !referral.verified,
    lines,
    commission: credited.reduce((sum, l) => sum + l.commission, 0),
  };
}

/** Why a referral credits nothing at all, whatever the lines; undefined when it may credit. */
function referralBlocker(input: AttributionInput): LineReason | undefined {
  const { referral } = input;
  if (!referral) return 'no_referral';
  if (!referral.owner) return 'unregistered_tag';
  if (referral.bot) return 'bot_click';
  if (referral.clickedAt > input.orderedAt) return 'click_after_order';
  return undefined;
}

/** The tag that earns: the click's own, or the same account's tag in the order's marketplace. */
function creditedTagFor(input: AttributionInput): string | null {
  const { referral, marketplace } = input;
  if (!referral?.owner) return null;
  if (referral.owner.marketplace === marketplace.id) return referral.tag;
  return input.accountTagInMarketplace ?? null;
}

function windowReason(input: AttributionInput, line: OrderLineInput): LineReason {
  const clickedAt = input.referral!.clickedAt;
  if (input.orderedAt - clickedAt <= input.clickWindowMs) return 'ordered_within_click_window';
  const candidates = [...(input.cartAdds?.get(line.sku) ?? [])];
  if (line.cartAddedAt !== undefined) candidates.push(line.cartAddedAt);
  const inCartWindow = candidates.some(
    (addedAt) =>
      addedAt >= clickedAt &&
      addedAt - clickedAt <= input.clickWindowMs &&
      addedAt <= input.orderedAt &&
      input.orderedAt - addedAt <= input.cartWindowMs,
  );
  return inCartWindow ? 'added_to_cart_within_click_window' : 'outside_window';
}

function uncredited(line: OrderLineInput, reason: LineReason): AttributedLine {
  return { lineId: line.lineId, sku: line.sku, attributed: false, direct: false, reason, rateBp: null, quantity: line.quantity, commission: 0 };
}
