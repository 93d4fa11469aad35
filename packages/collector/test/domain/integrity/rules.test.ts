import { describe, expect, it } from 'vitest';
import { DEFAULT_INTEGRITY, type IntegrityConfig } from '../../../src/domain/integrity/config.js';
import {
  burstWindow,
  clickBurst,
  landingWindow,
  clickRules,
  orderHolds,
  orderVelocity,
  selfReferral,
  stuffedClick,
  stuffedLanding,
  type BurstFacts,
  type ClickSignals,
  type LandingFacts,
} from '../../../src/domain/integrity/rules.js';

const cfg = (over: Partial<IntegrityConfig> = {}): IntegrityConfig => ({ ...DEFAULT_INTEGRITY, ...over });
const OFF: IntegrityConfig = { selfReferral: false, burst: false, stuffing: false, orderVelocity: false };
const MIN = 60_000;
const T0 = Date.parse('2026-12-03T10:00:00Z');

describe('self_referral', () => {
  const base = { visitor: 'v-jane', day: '2026-12-03', accountId: 'acc_jane', signInVisitors: ['v-other', 'v-jane'] };
  it.each([
    { name: 'click from where the account signed in that day', facts: base, config: cfg(), held: true },
    { name: 'set of sign-in visitors works the same', facts: { ...base, signInVisitors: new Set(['v-jane']) }, config: cfg(), held: true },
    { name: 'another visitor', facts: { ...base, visitor: 'v-reader' }, config: cfg(), held: false },
    { name: 'account never signed in that day', facts: { ...base, signInVisitors: [] }, config: cfg(), held: false },
    { name: 'click without a visitor hash never flags', facts: { ...base, visitor: null }, config: cfg(), held: false },
    { name: 'undefined visitor never flags', facts: { ...base, visitor: undefined }, config: cfg(), held: false },
    { name: 'rule off', facts: base, config: cfg({ selfReferral: false }), held: false },
  ])('$name → held=$held', ({ facts, config, held }) => {
    const hold = selfReferral(config, facts);
    expect(hold !== undefined).toBe(held);
    if (hold) {
      expect(hold.rule).toBe('self_referral');
      expect(hold.detail).toBe('the click came from the same network and browser that account acc_jane signed in to the dashboard or API from on 2026-12-03');
    }
  });
});

describe('click_burst (default: more than 10 clicks within 10 minutes)', () => {
  /** `n` clicks one minute apart ending at T0, ids c01…; the order came through `through`. */
  const burst = (n: number, step = MIN) => Array.from({ length: n }, (_, i) => ({ id: `c${String(i + 1).padStart(2, '0')}`, at: T0 - (n - 1 - i) * step }));
  const facts = (clicks: { id: string; at: number }[], through: string, visitor: string | null = 'v1'): BurstFacts => {
    const c = clicks.find((x) => x.id === through)!;
    return { click: { ...c, tag: 'janesblog-20', visitor }, sameVisitorClicks: clicks };
  };

  it.each([
    { name: '10 clicks in 9 minutes: the 10th is within the limit', clicks: burst(10), through: 'c10', held: false },
    { name: '11 clicks in 10 minutes: the 11th is excess', clicks: burst(11), through: 'c11', held: true, count: 11 },
    { name: '11 clicks: an order through the 1st is not held', clicks: burst(11), through: 'c01', held: false },
    { name: '11 clicks: an order through the 10th is not held', clicks: burst(11), through: 'c10', held: false },
    { name: '12 clicks in 5.5 minutes: the 12th is excess too', clicks: burst(12, 30_000), through: 'c12', held: true, count: 12 },
    { name: '12 clicks a minute apart: the 12th sees 11 in its 10 minutes', clicks: burst(12), through: 'c12', held: true, count: 11 },
    { name: '12 clicks a minute apart: the 11th sees 11', clicks: burst(12), through: 'c11', held: true, count: 11 },
    { name: '12 clicks a minute apart: the 10th sees 10', clicks: burst(12), through: 'c10', held: false },
    // 11 clicks exactly 1 minute apart span exactly 10 minutes: the first is within (inclusive).
    { name: 'window edge inclusive: first click exactly 10 minutes before', clicks: burst(11), through: 'c11', held: true, count: 11 },
    { name: 'window edge: first click 10 minutes + 1 ms before is outside', clicks: burst(11, MIN + 1), through: 'c11', held: false },
    { name: 'no visitor hash never flags', clicks: burst(20), through: 'c20', held: false, visitor: null },
    { name: 'rule off', clicks: burst(20), through: 'c20', held: false, config: cfg({ burst: false }) },
    { name: 'custom threshold 3 in 1 minute: 4th within 1 minute', clicks: burst(4, 20_000), through: 'c04', held: true, count: 4, config: cfg({ burst: { clicks: 3, minutes: 1 } }) },
    { name: 'custom threshold 3 in 1 minute: spaced 30 s, only 3 in a minute', clicks: burst(4, 30_000), through: 'c04', held: false, config: cfg({ burst: { clicks: 3, minutes: 1 } }) },
  ])('$name → held=$held', ({ clicks, through, held, count, visitor, config }) => {
    const hold = clickBurst(config ?? cfg(), facts(clicks, through, visitor === undefined ? 'v1' : visitor));
    expect(hold !== undefined).toBe(held);
    if (hold) {
      expect(hold.rule).toBe('click_burst');
      const c = config?.burst || { clicks: 10, minutes: 10 };
      expect(hold.detail).toBe(`${count} clicks from one visitor on tag janesblog-20 within ${c.minutes} minutes up to this order's click (more than ${c.clicks})`);
    }
  });

  it('orders by event time, not by arrival: a late re-sent click keeps its own earlier time', () => {
    const clicks = burst(11);
    // Arrival order: the 1st click (by time) arrived last, after a retry from the outbox.
    const arrived = [...clicks.slice(1), clicks[0]!];
    expect(clickBurst(cfg(), facts(arrived, 'c01'))).toBeUndefined();
    expect(clickBurst(cfg(), facts(arrived, 'c11'))?.detail).toMatch(/^11 clicks/);
  });

  it('clicks at the same millisecond are ordered by id, so every instance agrees which is excess', () => {
    const same = Array.from({ length: 11 }, (_, i) => ({ id: `x${String(i).padStart(2, '0')}`, at: T0 }));
    const held = same.filter((c) => clickBurst(cfg(), facts(same, c.id)) !== undefined).map((c) => c.id);
    expect(held).toEqual(['x10']);
  });

  it('later clicks do not count toward an earlier one', () => {
    const clicks = burst(20);
    expect(clickBurst(cfg(), facts(clicks, 'c10'))).toBeUndefined();
    expect(clickBurst(cfg(), facts(clicks, 'c11'))).toBeDefined();
  });

  it('the click itself listed among the same-visitor clicks, or not, counts once', () => {
    const clicks = burst(11);
    const without = clicks.slice(0, 10);
    expect(clickBurst(cfg(), { click: { ...clicks[10]!, tag: 't', visitor: 'v' }, sameVisitorClicks: without })?.detail).toMatch(/^11 clicks/);
    expect(clickBurst(cfg(), { click: { ...clicks[10]!, tag: 't', visitor: 'v' }, sameVisitorClicks: [...clicks, ...clicks] })?.detail).toMatch(/^11 clicks/);
  });
});

describe('stuffing: the click', () => {
  it.each<{ name: string; signals: ClickSignals; detail?: string; config?: IntegrityConfig }>([
    { name: 'a chosen click', signals: { trusted: true, visible: true, framed: false, dwell: 4000 } },
    { name: 'no fields at all (older SDK, /go redirect)', signals: {} },
    { name: 'null fields', signals: { trusted: null, visible: null, framed: null, dwell: null } },
    { name: 'script click', signals: { trusted: false }, detail: 'click not trusted (script click)' },
    { name: 'hidden page', signals: { visible: false }, detail: 'page not visible (hidden, or a viewport under 10×10 px)' },
    { name: 'in a frame', signals: { framed: true }, detail: 'click inside a frame' },
    { name: 'dwell under the minimum', signals: { dwell: 120 }, detail: 'dwell 120 ms < 500 ms' },
    { name: 'dwell 499 ms', signals: { dwell: 499 }, detail: 'dwell 499 ms < 500 ms' },
    { name: 'dwell exactly the minimum is fine', signals: { dwell: 500 } },
    { name: 'dwell 0 flags at the default', signals: { dwell: 0 }, detail: 'dwell 0 ms < 500 ms' },
    { name: 'minDwellMs 0 never flags dwell', signals: { dwell: 0 }, config: cfg({ stuffing: { minDwellMs: 0 } }) },
    { name: 'custom minimum', signals: { dwell: 900 }, detail: 'dwell 900 ms < 1000 ms', config: cfg({ stuffing: { minDwellMs: 1000 } }) },
    {
      name: 'hidden iframe auto-click: every sign, one hold',
      signals: { trusted: false, visible: false, framed: true, dwell: 3 },
      detail: 'click not trusted (script click); page not visible (hidden, or a viewport under 10×10 px); click inside a frame; dwell 3 ms < 500 ms',
    },
    { name: 'rule off', signals: { trusted: false, visible: false, framed: true, dwell: 3 }, config: cfg({ stuffing: false }) },
  ])('$name', ({ signals, detail, config }) => {
    const hold = stuffedClick(config ?? cfg(), signals);
    expect(hold).toEqual(detail === undefined ? undefined : { rule: 'stuffing', detail });
  });
});

describe('stuffing: a landing no click record knows', () => {
  const base: LandingFacts = { clickId: 'cid-1', tag: 'janesblog-20', clickKnown: false, visitor: 'v1', otherBeacons: 3, clicksOnTag: 0 };
  it.each<{ name: string; facts: LandingFacts; held: boolean; config?: IntegrityConfig }>([
    { name: 'unknown click, other beacons arrived, none a click on the tag: stuffed', facts: base, held: true },
    { name: 'ad-blocked reader: no other beacon at all stays creditable', facts: { ...base, otherBeacons: 0 }, held: false },
    { name: 'the visitor did click on the tag (its click beacon lost): fine', facts: { ...base, clicksOnTag: 1 }, held: false },
    { name: 'the click is known', facts: { ...base, clickKnown: true }, held: false },
    { name: 'landing without a visitor hash never flags', facts: { ...base, visitor: null }, held: false },
    { name: 'one other beacon is enough', facts: { ...base, otherBeacons: 1 }, held: true },
    { name: 'rule off', facts: base, held: false, config: cfg({ stuffing: false }) },
  ])('$name → held=$held', ({ facts, held, config }) => {
    const hold = stuffedLanding(config ?? cfg(), facts);
    expect(hold !== undefined).toBe(held);
  });

  it('says what it saw', () => {
    expect(stuffedLanding(cfg(), base)?.detail).toBe('landing with click ID cid-1 that no click record knows, while the same visitor sent 3 other beacons in the 24 hours before but no click on tag janesblog-20');
    expect(stuffedLanding(cfg(), { ...base, otherBeacons: 1 })?.detail).toContain('sent 1 other beacon in');
  });
});

describe('order_velocity (default: more than 5 orders through one click)', () => {
  it.each([
    { prior: 0, held: false },
    { prior: 4, held: false },
    { prior: 5, held: true },
    { prior: 9, held: true },
  ])('after $prior earlier orders → held=$held', ({ prior, held }) => {
    const hold = orderVelocity(cfg(), { clickId: 'c1', priorOrders: prior });
    expect(hold !== undefined).toBe(held);
    if (hold) expect(hold).toEqual({ rule: 'order_velocity', detail: `order number ${prior + 1} attributed to click c1 (more than 5 orders through one click)` });
  });

  it.each([
    { config: cfg({ orderVelocity: 1 }), prior: 0, held: false },
    { config: cfg({ orderVelocity: 1 }), prior: 1, held: true },
    { config: cfg({ orderVelocity: false }), prior: 1000, held: false },
  ])('velocity $config.orderVelocity after $prior → held=$held', ({ config, prior, held }) => {
    expect(orderVelocity(config, { clickId: 'c1', priorOrders: prior }) !== undefined).toBe(held);
  });
});

describe('orderHolds: every rule for one order', () => {
  const burstClicks = Array.from({ length: 11 }, (_, i) => ({ id: `c${String(i).padStart(2, '0')}`, at: T0 - (10 - i) * MIN }));
  const everything = {
    attributed: true,
    selfReferral: { visitor: 'v1', day: '2026-12-03', accountId: 'acc_1', signInVisitors: ['v1'] },
    burst: { click: { id: 'c10', at: T0, tag: 't-20', visitor: 'v1' }, sameVisitorClicks: burstClicks },
    click: { trusted: false, dwell: 10 },
    landing: { clickId: 'c10', tag: 't-20', clickKnown: false, visitor: 'v1', otherBeacons: 2, clicksOnTag: 0 },
    velocity: { clickId: 'c10', priorOrders: 5 },
  };

  it('one hold per rule, in rule order; the stuffing signs of click and landing share one hold', () => {
    const holds = orderHolds(cfg(), everything);
    expect(holds.map((h) => h.rule)).toEqual(['self_referral', 'click_burst', 'stuffing', 'order_velocity']);
    expect(holds[2]!.detail).toBe('click not trusted (script click); dwell 10 ms < 500 ms; landing with click ID c10 that no click record knows, while the same visitor sent 2 other beacons in the 24 hours before but no click on tag t-20');
  });

  it('an unattributed order is never held', () => {
    expect(orderHolds(cfg(), { ...everything, attributed: false })).toEqual([]);
  });

  it('every rule off: nothing held', () => {
    expect(orderHolds(OFF, everything)).toEqual([]);
  });

  it('each off switch removes exactly its rule', () => {
    expect(orderHolds(cfg({ selfReferral: false }), everything).map((h) => h.rule)).toEqual(['click_burst', 'stuffing', 'order_velocity']);
    expect(orderHolds(cfg({ burst: false }), everything).map((h) => h.rule)).toEqual(['self_referral', 'stuffing', 'order_velocity']);
    expect(orderHolds(cfg({ stuffing: false }), everything).map((h) => h.rule)).toEqual(['self_referral', 'click_burst', 'order_velocity']);
    expect(orderHolds(cfg({ orderVelocity: false }), everything).map((h) => h.rule)).toEqual(['self_referral', 'click_burst', 'stuffing']);
  });

  it('no facts gathered: nothing held', () => {
    expect(orderHolds(cfg(), { attributed: true })).toEqual([]);
    expect(orderHolds(cfg(), { attributed: true, selfReferral: null, burst: null, click: null, landing: null, velocity: null })).toEqual([]);
  });

  it('a clean order through a real click is not held', () => {
    const clean = {
      attributed: true,
      selfReferral: { visitor: 'v-reader', day: '2026-12-03', accountId: 'acc_1', signInVisitors: ['v-jane'] },
      burst: { click: { id: 'c1', at: T0, tag: 't-20', visitor: 'v-reader' }, sameVisitorClicks: [{ id: 'c1', at: T0 }] },
      click: { trusted: true, visible: true, framed: false, dwell: 12_000 },
      velocity: { clickId: 'c1', priorOrders: 0 },
    };
    expect(orderHolds(cfg(), clean)).toEqual([]);
  });
});

describe('clickRules: flags a click trips by itself (report)', () => {
  it.each([
    { signals: { trusted: false }, burst: null, rules: ['stuffing'] },
    { signals: { trusted: true }, burst: null, rules: [] },
    { signals: null, burst: { click: { id: 'b', at: T0, tag: 't', visitor: 'v' }, sameVisitorClicks: [{ id: 'a', at: T0 }] }, rules: [], config: cfg({ burst: { clicks: 2, minutes: 1 } }) },
    { signals: null, burst: { click: { id: 'c', at: T0, tag: 't', visitor: 'v' }, sameVisitorClicks: [{ id: 'a', at: T0 }, { id: 'b', at: T0 }] }, rules: ['click_burst'], config: cfg({ burst: { clicks: 2, minutes: 1 } }) },
    { signals: { framed: true }, burst: { click: { id: 'c', at: T0, tag: 't', visitor: 'v' }, sameVisitorClicks: [{ id: 'a', at: T0 }, { id: 'b', at: T0 }] }, rules: ['click_burst', 'stuffing'], config: cfg({ burst: { clicks: 2, minutes: 1 } }) },
    { signals: { framed: true }, burst: null, rules: [], config: OFF },
  ])('$rules', ({ signals, burst, rules, config }) => {
    expect(clickRules(config ?? cfg(), { signals, burst })).toEqual(rules);
  });
});

describe('windows storage reads facts from', () => {
  it('burst: the configured minutes up to the click, inclusive; none when off', () => {
    expect(burstWindow(cfg(), T0)).toEqual({ from: T0 - 10 * MIN, to: T0 });
    expect(burstWindow(cfg({ burst: { clicks: 3, minutes: 2 } }), T0)).toEqual({ from: T0 - 2 * MIN, to: T0 });
    expect(burstWindow(cfg({ burst: false }), T0)).toBeUndefined();
  });

  it('landing: the 24 hours before it', () => {
    expect(landingWindow(T0)).toEqual({ from: T0 - 86_400_000, to: T0 });
  });
});
