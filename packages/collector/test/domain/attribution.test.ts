import { describe, expect, it } from 'vitest';
import { attribute, type AttributionInput, type ReferralFacts } from '../../src/domain/attribution.js';
import type { Marketplace } from '../../src/domain/marketplace.js';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.parse('2026-11-20T09:00:00Z');

const us: Marketplace = { id: 'us', hosts: ['amazon.com'], tagSuffix: '-20', currency: 'USD', rates: { default: 400, electronics: 400, books: 450, toys: 300 } };
const uk: Marketplace = { id: 'uk', hosts: ['amazon.co.uk'], tagSuffix: '-21', currency: 'GBP', rates: { default: 300, books: 500 } };

const camera = { lineId: '1', sku: 'B08XYZ1234', category: 'electronics', quantity: 1, unitAmount: 49900 };
const books = { lineId: '2', sku: 'B0BOOK0001', category: 'books', quantity: 2, unitAmount: 1299 };

const click = (over: Partial<ReferralFacts> = {}): ReferralFacts => ({
  clickId: '0193a4b2-1111-4222-8333-444455556666',
  tag: 'janesblog-20',
  clickedAt: T0,
  verified: true,
  bot: false,
  product: 'B08XYZ1234',
  owner: { accountId: 'acc_jane', marketplace: 'us' },
  ...over,
});

const order = (over: Partial<AttributionInput> = {}): AttributionInput => ({
  orderedAt: T0 + 6 * H,
  marketplace: us,
  lines: [camera, books],
  referral: click(),
  clickWindowMs: 24 * H,
  cartWindowMs: 90 * D,
  ...over,
});

describe('attribute: the SPEC §5 worked example', () => {
  it('credits camera (direct) and books (indirect) in the click window', () => {
    const a = attribute(order());
    expect(a).toMatchObject({ attributed: true, rule: 'click_window', tag: 'janesblog-20', creditedTag: 'janesblog-20', accountId: 'acc_jane', unverifiedReferral: false, commission: 2113 });
    expect(a.lines).toEqual([
      { lineId: '1', sku: 'B08XYZ1234', attributed: true, direct: true, reason: 'ordered_within_click_window', rateBp: 400, quantity: 1, commission: 1996 },
      { lineId: '2', sku: 'B0BOOK0001', attributed: true, direct: false, reason: 'ordered_within_click_window', rateBp: 450, quantity: 2, commission: 117 },
    ]);
  });
});

describe('attribute: rules as a table', () => {
  const cases: { name: string; input: Partial<AttributionInput>; rule: string; reasons: string[]; commission: number; extra?: Record<string, unknown> }[] = [
    { name: 'no referral', input: { referral: null }, rule: 'none', reasons: ['no_referral', 'no_referral'], commission: 0 },
    { name: 'unregistered tag', input: { referral: click({ owner: undefined }) }, rule: 'none', reasons: ['unregistered_tag', 'unregistered_tag'], commission: 0 },
    { name: 'bot click', input: { referral: click({ bot: true }) }, rule: 'none', reasons: ['bot_click', 'bot_click'], commission: 0 },
    { name: 'click after the order', input: { orderedAt: T0 - 1 }, rule: 'none', reasons: ['click_after_order', 'click_after_order'], commission: 0 },
    { name: 'order exactly at the window edge (24 h) counts', input: { orderedAt: T0 + 24 * H }, rule: 'click_window', reasons: ['ordered_within_click_window', 'ordered_within_click_window'], commission: 2113 },
    { name: 'one ms past the window, no cart adds', input: { orderedAt: T0 + 24 * H + 1 }, rule: 'none', reasons: ['outside_window', 'outside_window'], commission: 0 },
    {
      name: 'cart window: camera added 1 h after the click, bought 30 days later',
      input: { orderedAt: T0 + 30 * D, lines: [{ ...camera, cartAddedAt: T0 + H }, books] },
      rule: 'cart_window', reasons: ['added_to_cart_within_click_window', 'outside_window'], commission: 1996,
    },
    {
      name: 'cart window from a recorded cart_add event',
      input: { orderedAt: T0 + 30 * D, cartAdds: new Map([['B0BOOK0001', [T0 + 2 * H]]]) },
      rule: 'cart_window', reasons: ['outside_window', 'added_to_cart_within_click_window'], commission: 117,
    },
    {
      name: 'cart add after the click window does not count',
      input: { orderedAt: T0 + 30 * D, lines: [{ ...camera, cartAddedAt: T0 + 25 * H }] },
      rule: 'none', reasons: ['outside_window'], commission: 0,
    },
    {
      name: 'cart add in window but the order 91 days later',
      input: { orderedAt: T0 + H + 91 * D, lines: [{ ...camera, cartAddedAt: T0 + H }] },
      rule: 'none', reasons: ['outside_window'], commission: 0,
    },
    {
      name: 'cart add before the click is not this click\'s',
      input: { orderedAt: T0 + 30 * D, lines: [{ ...camera, cartAddedAt: T0 - H }] },
      rule: 'none', reasons: ['outside_window'], commission: 0,
    },
    {
      name: 'cross-marketplace: credited to the account\'s uk tag at uk rates',
      input: { marketplace: uk, accountTagInMarketplace: 'janesblog-21' },
      rule: 'click_window', reasons: ['ordered_within_click_window', 'ordered_within_click_window'], commission: 1497 + 130,
      extra: { creditedTag: 'janesblog-21', tag: 'janesblog-20' },
    },
    {
      name: 'cross-marketplace without a tag there',
      input: { marketplace: uk },
      rule: 'none', reasons: ['marketplace_not_enabled', 'marketplace_not_enabled'], commission: 0,
      extra: { creditedTag: null, accountId: null },
    },
    {
      name: 'unverified referral is credited and flagged',
      input: { referral: click({ verified: false, product: null }) },
      rule: 'click_window', reasons: ['ordered_within_click_window', 'ordered_within_click_window'], commission: 2113,
      extra: { unverifiedReferral: true },
    },
    {
      name: 'category without its own rate uses default',
      input: { lines: [{ ...camera, category: 'garden' }] },
      rule: 'click_window', reasons: ['ordered_within_click_window'], commission: 1996,
    },
  ];

  it.each(cases)('$name', ({ input, rule, reasons, commission, extra }) => {
    const a = attribute(order(input));
    expect(a.rule).toBe(rule);
    expect(a.lines.map((l) => l.reason)).toEqual(reasons);
    expect(a.commission).toBe(commission);
    expect(a.attributed).toBe(commission > 0 || a.lines.some((l) => l.attributed));
    for (const l of a.lines) if (!l.attributed) expect(l).toMatchObject({ rateBp: null, commission: 0, direct: false });
    if (extra) expect(a).toMatchObject(extra);
  });

  it('direct means the clicked product itself; unverified referrals know no product', () => {
    expect(attribute(order()).lines.map((l) => l.direct)).toEqual([true, false]);
    expect(attribute(order({ referral: click({ verified: false, product: null }) })).lines.map((l) => l.direct)).toEqual([false, false]);
  });

  it('a configured click window is honoured', () => {
    expect(attribute(order({ orderedAt: T0 + 47 * H, clickWindowMs: 48 * H })).rule).toBe('click_window');
    expect(attribute(order({ orderedAt: T0 + 2 * H, clickWindowMs: 1 * H })).rule).toBe('none');
  });
});
