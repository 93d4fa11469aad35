export { referralMiddleware, getReferral, parseReferral, type Referral, type ReferralMiddlewareOptions } from './referral.js';
export { createOrderClient, AffilClientError, type Order, type OrderEvent, type OrderClientOptions } from './client.js';
