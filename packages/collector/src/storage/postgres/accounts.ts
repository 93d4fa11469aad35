import type { AccountRow, AccountStore, KeyRow, TagRow } from '../port.js';
import type { Sql } from './sql.js';

const TAG_COLUMNS = 'tag, account_id AS "accountId", marketplace, created_at AS "createdAt"';
const KEY_COLUMNS = 'id, account_id AS "accountId", role, revoked_at AS "revokedAt"';

/**
 * SQL for the program's people: settings, accounts, their API keys and tracking IDs.
 * `known` is shared by every store of one adapter: tags are only ever added, never changed or
 * removed, so a tag once found is answered from memory (an unknown one is asked each time:
 * another instance may add it).
 */
export function accountStore(sql: Sql, known: Map<string, TagRow>): AccountStore {
  return {
    getSetting: async (key) => (await sql.get<{ value: string }>('SELECT value FROM settings WHERE key = @key', { key }))?.value,
    putSetting: async (key, value) => {
      await sql.run('INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value', { key, value });
    },
    insertAccount: async (a) => {
      await sql.run('INSERT INTO accounts (id, name, created_at) VALUES (@id, @name, @createdAt)', { ...a });
    },
    listAccounts: () => sql.all<AccountRow>('SELECT id, name, created_at AS "createdAt" FROM accounts ORDER BY created_at, id'),
    getAccount: (id) => sql.get<AccountRow>('SELECT id, name, created_at AS "createdAt" FROM accounts WHERE id = @id', { id }),
    insertKey: async (k) => {
      await sql.run('INSERT INTO api_keys (id, account_id, role, key_hash, created_at) VALUES (@id, @accountId, @role, @keyHash, @createdAt)', { ...k });
    },
    keyByHash: (hash) => sql.get<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE key_hash = @hash`, { hash }),
    keyById: (id) => sql.get<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = @id`, { id }),
    revokeKey: async (id, at) => (await sql.run('UPDATE api_keys SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL', { id, at })) > 0,
    revokedAfter: (since) =>
      sql.all<{ id: string; revokedAt: number }>('SELECT id, revoked_at AS "revokedAt" FROM api_keys WHERE revoked_at > @since ORDER BY revoked_at', { since }),
    hasAdminKey: async () =>
      (await sql.get<{ n: number }>("SELECT count(*) AS n FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL"))!.n > 0,
    insertTag: async (t) =>
      (await sql.run(
        'INSERT INTO tags (tag, account_id, marketplace, created_at) VALUES (@tag, @accountId, @marketplace, @createdAt) ON CONFLICT (tag) DO NOTHING',
        { ...t },
      )) > 0,
    findTag: async (tag) => {
      let row = known.get(tag);
      if (!row && (row = await sql.get<TagRow>(`SELECT ${TAG_COLUMNS} FROM tags WHERE tag = @tag`, { tag }))) known.set(tag, row);
      return row;
    },
    listTags: (accountId) => sql.all<TagRow>(`SELECT ${TAG_COLUMNS} FROM tags WHERE account_id = @accountId ORDER BY created_at, tag`, { accountId }),
    allTags: () => sql.all<TagRow>(`SELECT ${TAG_COLUMNS} FROM tags ORDER BY tag`),
    accountTagIn: async (accountId, marketplace) =>
      (await sql.get<{ tag: string }>('SELECT tag FROM tags WHERE account_id = @accountId AND marketplace = @marketplace ORDER BY created_at, tag LIMIT 1', { accountId, marketplace }))?.tag,
    tagsWithAccounts: (accountId) =>
      sql.all<TagRow & { accountName: string }>(
        `SELECT t.tag, t.account_id AS "accountId", a.name AS "accountName", t.marketplace, t.created_at AS "createdAt"
         FROM tags t JOIN accounts a ON a.id = t.account_id
         WHERE @accountId::text IS NULL OR t.account_id = @accountId ORDER BY t.tag`,
        { accountId },
      ),
  };
}
