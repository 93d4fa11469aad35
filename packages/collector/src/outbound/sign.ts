import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret } from '../secrets.js';

/**
 * Standard Webhooks signing (SPEC §4.2, §10): the very scheme and library the collector verifies
 * merchants' order callbacks with (`services/webhooks.ts`), used the other way round, so both
 * directions share one implementation of `v1,<base64 HMAC-SHA256(secret, "{id}.{timestamp}.{body}")>`.
 */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Headers for `body`, signed with every secret given, newest first: during a rotation the receiver
 * verifies with whichever secret it has, and Standard Webhooks takes any of the space-separated
 * signatures.
 */
export function signWebhook(secrets: readonly string[], id: string, at: Date, body: string): SignedHeaders {
  if (secrets.length === 0) throw new RangeError('signWebhook needs at least one secret');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(id, at, body)).join(' '),
  };
}

/** A new endpoint secret, `whsec_` and 32 random bytes in base64: the format merchants' secrets have. */
export const generateEndpointSecret = (): string => generateWebhookSecret();
