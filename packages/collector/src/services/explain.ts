import type { OrderInput } from '@affil/merchant/contract';
import type { ProgramConfig } from '../domain/program.js';
import type { OrderLineRow, OrderRow } from '../storage/port.js';

/** One sentence on how the order was attributed (SPEC §5.8). */
export function explainOrder(program: ProgramConfig, order: OrderRow, request: OrderInput): string {
  if (!request.referral) return 'No referral came with the order, so no affiliate is credited.';
  const source = order.unverifiedReferral
    ? `the merchant-captured referral (tag ${order.tag}, clicked ${request.referral.clickedAt}; the click itself was never recorded, e.g. an ad blocker)`
    : `click ${order.clickId} on tag ${order.tag}`;
  if (!order.attributed) return `Referred by ${source}, but no line qualified: see each line's reason.`;
  const rule = order.rule === 'click_window'
    ? `ordered within the ${program.clickWindowHours}-hour click window`
    : `items added to the cart within the ${program.clickWindowHours}-hour click window and bought within ${program.cartWindowDays} days`;
  const cross = order.creditedTag !== order.tag ? ` Credited to the same account's ${order.marketplace} tag ${order.creditedTag}.` : '';
  return `Referred by ${source}; ${rule}.${cross}`;
}

const REASONS: Record<string, string> = {
  ordered_within_click_window: 'ordered within the click window, so every item of the order counts',
  added_to_cart_within_click_window: 'added to the cart within the click window and bought within the cart window',
  outside_window: 'ordered after the click window and not added to the cart within it',
  marketplace_not_enabled: "the order's marketplace differs from the click's and the account has no tag there",
  no_referral: 'the order carried no referral',
  unregistered_tag: 'the tag is not registered to any account',
  bot_click: 'the click came from a bot',
  click_after_order: 'the click happened after the order',
};

/** Why one line was or was not credited, with the rate it used. */
export function explainLine(_program: ProgramConfig, order: OrderRow, line: OrderLineRow): string {
  const why = REASONS[line.reason] ?? line.reason;
  if (!line.attributed) return `Not credited: ${why}.`;
  const kind = line.direct ? 'the clicked product itself' : 'another product than the one clicked';
  return `Credited to ${order.creditedTag} at ${line.rateBp} bp (${(line.rateBp! / 100).toFixed(2)}% for "${line.category}"): ${why}; ${kind}.`;
}
