import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { Problem } from '../errors.js';

export interface SignedRequest {
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Verifies a Standard Webhooks signature against any of the configured secrets (rotation) and
 * returns the `webhook-id`, the idempotency key. The library rejects timestamps more than five
 * minutes away from now. Any failure is a 401 that says what was wrong.
 */
export function verifySignature(secrets: readonly string[], request: SignedRequest): string {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const id = header('webhook-id');
  const timestamp = header('webhook-timestamp');
  const signature = header('webhook-signature');
  const missing = [['webhook-id', id], ['webhook-timestamp', timestamp], ['webhook-signature', signature]].filter(([, v]) => !v).map(([n]) => n);
  if (missing.length > 0) throw new Problem('invalid_signature', `Missing signature header(s): ${missing.join(', ')}`);
  if (!/^\d{1,12}$/.test(timestamp!)) throw new Problem('invalid_signature', 'webhook-timestamp must be unix seconds');
  let lastError = 'No matching signature found';
  for (const secret of secrets) {
    try {
      new Webhook(secret).verify(request.body, { 'webhook-id': id!, 'webhook-timestamp': timestamp!, 'webhook-signature': signature! }, { jsonParse: false });
      return id!;
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      lastError = error.message;
    }
  }
  throw new Problem('invalid_signature', `Signature verification failed: ${lastError}`);
}
