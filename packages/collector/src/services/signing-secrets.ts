import type { Repository } from '../db/repository.js';
import { generateWebhookSecret } from '../secrets.js';

/**
 * The order-callback signing secrets kept in the database when AFFIL_WEBHOOK_SECRET is not set:
 * space-separated, newest first. The collector verifies with any of them, so a rotation keeps the
 * shop's current secret working until the shop signs with the new one.
 */
const SETTING = 'webhook_secret';

export function storedWebhookSecrets(repo: Pick<Repository, 'accounts'>): string[] {
  return (repo.accounts.getSetting(SETTING) ?? '').split(/\s+/).filter(Boolean);
}

/** First start: a secret when there is none yet; answers it only when it was just generated. */
export function ensureWebhookSecret(repo: Pick<Repository, 'accounts'>): { secrets: string[]; generated?: string } {
  const secrets = storedWebhookSecrets(repo);
  if (secrets.length > 0) return { secrets };
  const generated = generateWebhookSecret();
  repo.accounts.putSetting(SETTING, generated);
  return { secrets: [generated], generated };
}

/** A new secret, first; the ones before it keep verifying until `retireWebhookSecrets`. */
export function rotateWebhookSecret(repo: Pick<Repository, 'accounts'>): { secret: string; verifying: number } {
  const secret = generateWebhookSecret();
  const secrets = [secret, ...storedWebhookSecrets(repo)];
  repo.accounts.putSetting(SETTING, secrets.join(' '));
  return { secret, verifying: secrets.length };
}

/** Keeps only the newest secret; answers how many older ones stopped verifying. */
export function retireWebhookSecrets(repo: Pick<Repository, 'accounts'>): number {
  const [newest, ...older] = storedWebhookSecrets(repo);
  if (newest !== undefined) repo.accounts.putSetting(SETTING, newest);
  return older.length;
}
