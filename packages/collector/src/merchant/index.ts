// `@affil/collector/merchant`: the server kit for Node shops (SPEC §6, "Merchant landing").
export {
  referralMiddleware,
  getReferral,
  parseReferral,
  REFERRAL_COOKIE,
  type Referral,
  type ReferralReadOptions,
  type ReferralMiddlewareOptions,
} from './referral.js';
export {
  createOrderClient,
  AffilClientError,
  isRetryable,
  retryDelay,
  type AffilClientErrorCode,
  type AttributedLine,
  type Order,
  type OrderAttribution,
  type OrderClientOptions,
  type OrderEvent,
  type OrderState,
} from './client.js';
