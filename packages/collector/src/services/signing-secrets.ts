import type { Stores } from '../storage/port.js';
import { generateWebhookSecret } from '../secrets.js';

/**
 * The order-callback signing secrets kept in the database when AFFIL_WEBHOOK_SECRET is not set:
 * space-separated, newest first. The collector verifies with any of them, so a rotation keeps the
 * shop's current secret working until the shop signs with the new one.
 */
const SETTING = 'webhook_secret';

type Store = Pick<Stores, 'accounts'>;

export async function storedWebhookSecrets(store: Store): Promise<string[]> {
  return ((await store.accounts.getSetting(SETTING)) ?? '').split(/\s+/).filter(Boolean);
}

/**
 * First start: a secret when there is none yet; answers it only when it was just generated. Run
 * it in a transaction holding the `bootstrap` lock so two instances starting at once make one.
 */
export async function ensureWebhookSecret(store: Store): Promise<{ secrets: string[]; generated?: string }> {
  const secrets = await storedWebhookSecrets(store);
  if (secrets.length > 0) return { secrets };
  const generated = generateWebhookSecret();
  await store.accounts.putSetting(SETTING, generated);
  return { secrets: [generated], generated };
}

/** A new secret, first; the ones before it keep verifying until `retireWebhookSecrets`. */
export async function rotateWebhookSecret(store: Store): Promise<{ secret: string; verifying: number }> {
  const secret = generateWebhookSecret();
  const secrets = [secret, ...(await storedWebhookSecrets(store))];
  await store.accounts.putSetting(SETTING, secrets.join(' '));
  return { secret, verifying: secrets.length };
}

/** Keeps only the newest secret; answers how many older ones stopped verifying. */
export async function retireWebhookSecrets(store: Store): Promise<number> {
  const [newest, ...older] = await storedWebhookSecrets(store);
  if (newest !== undefined) await store.accounts.putSetting(SETTING, newest);
  return older.length;
}
