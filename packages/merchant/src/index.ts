// `@affil/merchant`: the server kit for Node shops (SPEC §6, "Merchant landing"). The collector
// re-exports it as `@affil/collector/merchant`.
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
export {
  orderSchema,
  orderEventSchema,
  DEFAULT_TAG_PATTERN,
  type FieldError,
  type OrderInput,
} from './contract.js';
