import type { IntegrityConfig } from './config.js';

/**
 * The integrity rules (SPEC §10 "Integrity") as pure functions over plain facts. Each answers a
 * hold `{rule, detail}` when it holds and undefined when it does not; storage gathers the facts,
 * this module decides. A fact that is missing (an old SDK sent no `trusted`, a click stored before
 * visitor hashes existed) never flags: rules hold only on evidence.
 *
 * Every rule is evaluated once, when the order arrives, over what the collector knows then, and
 * its outcome is stored with the order: a later beacon never re-labels an order already answered.
 */

export type IntegrityRule = 'self_referral' | 'click_burst' | 'stuffing' | 'order_velocity';
export const INTEGRITY_RULES: readonly IntegrityRule[] = ['self_referral', 'click_burst', 'stuffing', 'order_velocity'];

/** Why an order is held: the rule and a sentence an admin and the affiliate can read. */
export interface Hold {
  rule: IntegrityRule;
  detail: string;
}

const MINUTE_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// self_referral

export interface SelfReferralFacts {
  /** Visitor hash of the referral's click (or, for an unverified referral, of its landing). */
  visitor: string | null | undefined;
  /**
   * UTC day (YYYY-MM-DD) whose salt made that hash: the day the click was *received*, which for a
   * re-sent click is not its event day. Hashes of different days never match (different salts), so
   * matching by hash alone is already matching "that day"; the day is for the sentence.
   */
  day: string;
  /** The account credited. */
  accountId: string;
  /** Visitor hashes from which that account's keys signed in (dashboard or API); storage may pass only those equal to `visitor`. */
  signInVisitors: ReadonlySet<string> | readonly string[];
}

/** An affiliate buying through its own link: the click came from where the account signs in. */
export function selfReferral(config: IntegrityConfig, f: SelfReferralFacts): Hold | undefined {
  if (!config.selfReferral || !f.visitor) return undefined;
  const seen = f.signInVisitors instanceof Set ? f.signInVisitors.has(f.visitor) : (f.signInVisitors as readonly string[]).includes(f.visitor);
  if (!seen) return undefined;
  return {
    rule: 'self_referral',
    detail: `the click came from the same network and browser that account ${f.accountId} signed in to the dashboard or API from on ${f.day}`,
  };
}

// ---------------------------------------------------------------------------------------------
// click_burst

export interface TimedClick {
  id: string;
  /** Event time (epoch ms): receive time − `age`, so a re-sent click keeps its own time. */
  at: number;
}

export interface BurstFacts {
  /** The click the order came through. */
  click: TimedClick & { tag: string; visitor: string | null | undefined };
  /** Clicks from the same visitor hash on the same tag (any times; the click itself may be among them). */
  sameVisitorClicks: readonly TimedClick[];
}

/**
 * More than `burst.clicks` clicks from one visitor on one tag within `burst.minutes`. Clicks are
 * put in event-time order (ties by ID, so every instance agrees); a click is in excess when, counting
 * it, more than `clicks` clicks fall in the `minutes` up to and including its time (a click exactly
 * `minutes` earlier is within). Only orders through the excess clicks are held: the first
 * `clicks` of a burst may be real readers' and stay credited.
 */
export function clickBurst(config: IntegrityConfig, f: BurstFacts): Hold | undefined {
  if (config.burst === false || !f.click.visitor) return undefined;
  const { clicks: limit, minutes } = config.burst;
  const self = f.click;
  const from = self.at - minutes * MINUTE_MS;
  const ids = new Set<string>([self.id]);
  let count = 1;
  for (const c of f.sameVisitorClicks) {
    if (ids.has(c.id)) continue;
    ids.add(c.id);
    const before = c.at < self.at || (c.at === self.at && c.id < self.id);
    if (before && c.at >= from) count++;
  }
  if (count <= limit) return undefined;
  return {
    rule: 'click_burst',
    detail: `${count} clicks from one visitor on tag ${self.tag} within ${minutes} minutes up to this order's click (more than ${limit})`,
  };
}

/** The event-time range storage must read same-visitor clicks from for `clickBurst` (inclusive). */
export function burstWindow(config: IntegrityConfig, clickAt: number): { from: number; to: number } | undefined {
  return config.burst === false ? undefined : { from: clickAt - config.burst.minutes * MINUTE_MS, to: clickAt };
}

// ---------------------------------------------------------------------------------------------
// stuffing: the click itself

/** What the SDK saw at the click (SPEC §10); each may be missing from older SDKs and redirects. */
export interface ClickSignals {
  /** `event.isTrusted`: false for a script's `el.click()`. */
  trusted?: boolean | null | undefined;
  /** Page not hidden and the viewport at least 10×10 px. */
  visible?: boolean | null | undefined;
  /** The page ran in a frame (`self !== top`). */
  framed?: boolean | null | undefined;
  /** Milliseconds since the page loaded. */
  dwell?: number | null | undefined;
}

/** The signs of a click nobody chose, one phrase each; empty when the click looks chosen. */
export function stuffingSigns(minDwellMs: number, s: ClickSignals): string[] {
  const signs: string[] = [];
  if (s.trusted === false) signs.push('click not trusted (script click)');
  if (s.visible === false) signs.push('page not visible (hidden, or a viewport under 10×10 px)');
  if (s.framed === true) signs.push('click inside a frame');
  if (typeof s.dwell === 'number' && s.dwell < minDwellMs) signs.push(`dwell ${s.dwell} ms < ${minDwellMs} ms`);
  return signs;
}

/** An untrusted, hidden or framed click, or one made faster than a reader can: one hold naming every sign. */
export function stuffedClick(config: IntegrityConfig, signals: ClickSignals): Hold | undefined {
  if (config.stuffing === false) return undefined;
  const signs = stuffingSigns(config.stuffing.minDwellMs, signals);
  return signs.length === 0 ? undefined : { rule: 'stuffing', detail: signs.join('; ') };
}

// ---------------------------------------------------------------------------------------------
// stuffing: a landing without a click

export interface LandingFacts {
  /** The click ID the landing URL carried. */
  clickId: string;
  tag: string;
  /** True when a stored click has this ID. */
  clickKnown: boolean;
  /** Visitor hash of the landing request. */
  visitor: string | null | undefined;
  /** Beacons other than this landing from the same visitor hash in the 24 hours before it. */
  otherBeacons: number;
  /** Of those, clicks on `tag`. */
  clicksOnTag: number;
}

/** How far before a landing the visitor's other beacons are looked for. */
export const LANDING_LOOKBACK_MS = 24 * 60 * MINUTE_MS;

/** The event-time range storage counts the visitor's other beacons in for `stuffedLanding` (inclusive). */
export const landingWindow = (landingAt: number): { from: number; to: number } => ({ from: landingAt - LANDING_LOOKBACK_MS, to: landingAt });

/**
 * A landing whose click no record knows, from a visitor whose other beacons did arrive but
 * include no click on that tag: the referral was set without a click (a pop-under, a hidden
 * frame). A visitor with no other beacons at all is a reader whose beacons are all blocked, and an
 * unverified referral from such a reader stays creditable (SPEC §5.1).
 */
export function stuffedLanding(config: IntegrityConfig, f: LandingFacts): Hold | undefined {
  if (config.stuffing === false || f.clickKnown || !f.visitor) return undefined;
  if (f.otherBeacons === 0 || f.clicksOnTag > 0) return undefined;
  const beacons = f.otherBeacons === 1 ? '1 other beacon' : `${f.otherBeacons} other beacons`;
  return {
    rule: 'stuffing',
    detail: `landing with click ID ${f.clickId} that no click record knows, while the same visitor sent ${beacons} in the 24 hours before but no click on tag ${f.tag}`,
  };
}

// ---------------------------------------------------------------------------------------------
// order_velocity

export interface VelocityFacts {
  /** The referral's click ID (stored or merchant-captured). */
  clickId: string;
  /** Orders attributed through this click that the collector received before this one. */
  priorOrders: number;
}

/**
 * More than `orderVelocity` orders attributed to one click. Orders are counted in the order the
 * collector received them, so a held order never turns an earlier, already answered one into a
 * held one: the first K stay credited, every later one is held.
 */
export function orderVelocity(config: IntegrityConfig, f: VelocityFacts): Hold | undefined {
  if (config.orderVelocity === false) return undefined;
  const number = f.priorOrders + 1;
  if (number <= config.orderVelocity) return undefined;
  return {
    rule: 'order_velocity',
    detail: `order number ${number} attributed to click ${f.clickId} (more than ${config.orderVelocity} orders through one click)`,
  };
}

// ---------------------------------------------------------------------------------------------
// all rules for one order

/** Per rule, the facts storage gathered; absent or null when the rule has nothing to look at. */
export interface OrderIntegrityFacts {
  /** Only a credited order can be held: an uncredited one earns nothing to hold. */
  attributed: boolean;
  selfReferral?: SelfReferralFacts | null | undefined;
  burst?: BurstFacts | null | undefined;
  /** Signals of the stored click the order came through. */
  click?: ClickSignals | null | undefined;
  /** The landing of an unverified referral's click ID. */
  landing?: LandingFacts | null | undefined;
  velocity?: VelocityFacts | null | undefined;
}

/** Every hold on one order, in rule order, at most one per rule. Empty: the order is not held. */
export function orderHolds(config: IntegrityConfig, f: OrderIntegrityFacts): Hold[] {
  if (!f.attributed) return [];
  const stuffing = [f.click && stuffedClick(config, f.click), f.landing && stuffedLanding(config, f.landing)].filter((h): h is Hold => !!h);
  const holds = [
    f.selfReferral ? selfReferral(config, f.selfReferral) : undefined,
    f.burst ? clickBurst(config, f.burst) : undefined,
    stuffing.length ? { rule: 'stuffing' as const, detail: stuffing.map((h) => h.detail).join('; ') } : undefined,
    f.velocity ? orderVelocity(config, f.velocity) : undefined,
  ];
  return holds.filter((h): h is Hold => h !== undefined);
}

/** Rules a click trips by itself, for the report's flagged clicks (no order needed). */
export function clickRules(config: IntegrityConfig, f: { signals?: ClickSignals | null | undefined; burst?: BurstFacts | null | undefined }): IntegrityRule[] {
  const rules: IntegrityRule[] = [];
  if (f.burst && clickBurst(config, f.burst)) rules.push('click_burst');
  if (f.signals && stuffedClick(config, f.signals)) rules.push('stuffing');
  return rules;
}
