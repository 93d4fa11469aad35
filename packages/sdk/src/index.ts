/** `@affil/sdk` for bundlers: the same SDK as the script bundles, without the global. */
export { init, audit, consent } from './publisher.js';
export { merchant, referral, cartAdd, REFERRAL_COOKIE, type Referral, type MerchantOptions } from './merchant.js';
export type { InitOptions, Program } from './config.js';
export type { PrivacyOptions } from './consent.js';
export type { LinkReport } from './decorate.js';
export { CLICK_ID_PARAM, type Via } from './activation.js';
export { uuid } from './uuid.js';
export * from './url.js';
