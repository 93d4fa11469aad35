import { tagFitsMarketplace } from '@affil/sdk/url';
import { z } from 'zod';
import { Problem } from '../errors.js';
import { tagPatternHelp } from '../domain/tag-words.js';
import { generateKey, hashKey, newId } from '../secrets.js';
import { parseWith } from '../validation.js';
import { marketplaceById, type Context } from './context.js';
import { ownAccount, type Principal } from './principal.js';
import type { Stores } from '../storage/port.js';

export const accountSchema = z.object({ name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters') });
export const tagSchema = z.object({ tag: z.string().min(1, 'must not be empty').max(128), marketplace: z.string().min(1, 'must not be empty') });

const accountView = (a: { id: string; name: string; createdAt: number }) => ({ id: a.id, name: a.name, createdAt: new Date(a.createdAt).toISOString() });
const tagView = (t: { tag: string; accountId: string; marketplace: string; createdAt: number }) => ({ tag: t.tag, account: t.accountId, marketplace: t.marketplace, createdAt: new Date(t.createdAt).toISOString() });

export async function createAccount(ctx: Context, body: unknown) {
  const { name } = parseWith(accountSchema, body);
  const account = { id: newId('acc'), name, createdAt: ctx.now() };
  await ctx.storage.accounts.insertAccount(account);
  return accountView(account);
}

export async function listAccounts(ctx: Context) {
  return { accounts: (await ctx.storage.accounts.listAccounts()).map(accountView) };
}

/** The account, when the principal may see it; otherwise a 404 as if it did not exist. */
export async function visibleAccount(ctx: Context, principal: Principal, accountId: string) {
  const account = await ctx.storage.accounts.getAccount(accountId);
  if (!account || (principal.role === 'account' && principal.accountId !== accountId)) {
    throw new Problem('not_found', `No account "${accountId}"`);
  }
  return account;
}

/** Registers a tracking ID: it must fit the program's pattern and the marketplace's suffix. */
export async function createTag(ctx: Context, accountId: string, body: unknown) {
  const input = parseWith(tagSchema, body);
  const account = await ctx.storage.accounts.getAccount(accountId);
  if (!account) throw new Problem('not_found', `No account "${accountId}"`);
  const marketplace = marketplaceById(ctx.program, input.marketplace);
  if (!marketplace) {
    throw new Problem('unprocessable', `marketplace: unknown marketplace "${input.marketplace}" (this program has: ${ctx.program.marketplaces.map((m) => m.id).join(', ')})`, { errors: [{ path: 'marketplace', message: 'unknown marketplace' }] });
  }
  if (!new RegExp(ctx.program.tagPattern).test(input.tag)) {
    throw new Problem('unprocessable', `tag: "${input.tag}" is not a tracking ID this program accepts: ${tagPatternHelp(ctx.program.tagPattern, marketplace.tagSuffix)}`, { errors: [{ path: 'tag', message: 'malformed tag' }] });
  }
  if (!tagFitsMarketplace(input.tag, ctx.program.tagPattern, marketplace)) {
    throw new Problem('unprocessable', `tag: "${input.tag}" must end with "${marketplace.tagSuffix}" to be used in marketplace "${marketplace.id}"`, { errors: [{ path: 'tag', message: `suffix must be ${marketplace.tagSuffix}` }] });
  }
  const row = { tag: input.tag, accountId, marketplace: marketplace.id, createdAt: ctx.now() };
  if (!(await ctx.storage.accounts.insertTag(row))) throw new Problem('conflict', `tag: "${input.tag}" is already registered`);
  return tagView(row);
}

export async function listTags(ctx: Context, principal: Principal, accountId: string) {
  await visibleAccount(ctx, principal, accountId);
  return { tags: (await ctx.storage.accounts.listTags(accountId)).map(tagView) };
}

/**
 * `GET /v1/tags`: the tags a key may see, each with its account (id and name), by tag. An account
 * key gets its own account's; the admin gets every account's (SPEC §10). `affil audit --collector`
 * checks a site's links against them.
 */
export async function visibleTags(ctx: Context, principal: Principal) {
  return {
    tags: (await ctx.storage.accounts.tagsWithAccounts(ownAccount(principal))).map((t) => ({ ...tagView(t), accountName: t.accountName })),
  };
}

/** Issues an account key. The key is answered once; only its hash is stored. */
export async function createAccountKey(ctx: Context, accountId: string) {
  if (!(await ctx.storage.accounts.getAccount(accountId))) throw new Problem('not_found', `No account "${accountId}"`);
  const key = generateKey('affil_acct');
  const id = newId('key');
  await ctx.storage.accounts.insertKey({ id, accountId, role: 'account', keyHash: hashKey(key), createdAt: ctx.now() });
  return { id, account: accountId, key };
}

/** Issues an admin key (first start, or the CLI); needs only the store and a clock. */
export async function createAdminKey(ctx: { storage: Pick<Stores, 'accounts'>; now: () => number }) {
  const key = generateKey('affil_admin');
  const id = newId('key');
  await ctx.storage.accounts.insertKey({ id, accountId: null, role: 'admin', keyHash: hashKey(key), createdAt: ctx.now() });
  return { id, key };
}

export async function revokeKey(ctx: Context, keyId: string): Promise<void> {
  const key = await ctx.storage.accounts.keyById(keyId);
  if (!key || key.revokedAt !== null) throw new Problem('not_found', `No active key "${keyId}"`);
  await ctx.storage.accounts.revokeKey(keyId, ctx.now());
  // Streams the key opened end now, not when they next reconnect.
  ctx.revocations?.announce(keyId);
}

/** `GET /v1/me`: who a key belongs to, so a client can greet the account by name. */
export async function whoAmI(ctx: Context, principal: Principal) {
  if (principal.role === 'admin') return { role: 'admin' as const, account: null };
  const account = await ctx.storage.accounts.getAccount(principal.accountId);
  if (!account) throw new Problem('not_found', `No account "${principal.accountId}"`);
  return { role: 'account' as const, account: accountView(account) };
}

/** Other accounts already called `name` (trimmed, case-insensitive): names are labels, not keys, so this only warns. */
export async function accountsNamed(ctx: Pick<Context, 'storage'>, name: string, except?: string) {
  const wanted = name.trim().toLowerCase();
  return (await ctx.storage.accounts.listAccounts()).filter((a) => a.id !== except && a.name.trim().toLowerCase() === wanted).map(accountView);
}
