/** `@affil/sdk` for bundlers: the same SDK as the script bundles, without the global. */
import { audit as report, consent as answer, init as start } from './publisher.js';
import { DEFAULT_TAG_PATTERN, linkSelector } from './url.js';
import { safe, warn } from './log.js';
import type { InitOptions } from './config.js';
import type { LinkReport } from './decorate.js';

/**
 * Starts the publisher SDK. Nothing is embedded in this build: pass `endpoint` and `marketplaces`
 * (your collector's program); `tagPattern` defaults to the collector's default. Never throws.
 */
export const init = safe((tag: string, options: InitOptions = {}): void =>
  options.marketplaces
    ? start(tag, { tagPattern: DEFAULT_TAG_PATTERN, links: linkSelector(options.marketplaces), ...options })
    : warn('no program: pass marketplaces'),
);

/** One report per merchant link on the page (see `LinkReport`); never throws. */
export const audit = (): LinkReport[] => safe(report)() ?? [];

/** The site's answer for `consent: 'pending'`; never throws. */
export const consent = safe(answer);
export { merchant, referral, cartAdd, REFERRAL_COOKIE, type Referral, type MerchantOptions } from './merchant.js';
export type { InitOptions, Program } from './config.js';
export type { PrivacyOptions } from './consent.js';
export type { LinkReport };
export { CLICK_ID_PARAM, type Activation, type Via } from './activation.js';
export { uuid } from './uuid.js';
export * from './url.js';
