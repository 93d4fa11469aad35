/** `@affil/sdk` for bundlers: the same SDK as the script bundles, without the global. */
import { init as start } from './publisher.js';
import { DEFAULT_TAG_PATTERN } from './url.js';
import type { InitOptions } from './config.js';

/**
 * Starts the publisher SDK. Nothing is embedded in this build: pass `endpoint` and `marketplaces`
 * (your collector's program); `tagPattern` defaults to the collector's default.
 */
export const init = (tag: string, options: InitOptions = {}): void =>
  start(tag, { tagPattern: DEFAULT_TAG_PATTERN, ...options });

export { audit, consent } from './publisher.js';
export { merchant, referral, cartAdd, REFERRAL_COOKIE, type Referral, type MerchantOptions } from './merchant.js';
export type { InitOptions, Program } from './config.js';
export type { PrivacyOptions } from './consent.js';
export type { LinkReport } from './decorate.js';
export { CLICK_ID_PARAM, type Activation, type Via } from './activation.js';
export { uuid } from './uuid.js';
export * from './url.js';
