import type { Db } from './database.js';
import type { AccountRow, KeyRow, TagRow } from '../storage/port.js';

export type { AccountRow, KeyRow, TagRow };

/** SQL for the program's people: settings, accounts, their API keys and tracking IDs. */
export function accountStore(db: Db) {
  const s = {
    getSetting: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
    putSetting: db.prepare('INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    insertAccount: db.prepare('INSERT INTO accounts (id, name, created_at) VALUES (@id, @name, @createdAt)'),
    listAccounts: db.prepare<[], AccountRow>('SELECT id, name, created_at AS createdAt FROM accounts ORDER BY created_at, id'),
    getAccount: db.prepare<[string], AccountRow>('SELECT id, name, created_at AS createdAt FROM accounts WHERE id = ?'),
    insertKey: db.prepare('INSERT INTO api_keys (id, account_id, role, key_hash, created_at) VALUES (@id, @accountId, @role, @keyHash, @createdAt)'),
    keyByHash: db.prepare<[string], KeyRow>('SELECT id, account_id AS accountId, role, revoked_at AS revokedAt FROM api_keys WHERE key_hash = ?'),
    keyById: db.prepare<[string], KeyRow>('SELECT id, account_id AS accountId, role, revoked_at AS revokedAt FROM api_keys WHERE id = ?'),
    revokeKey: db.prepare('UPDATE api_keys SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL'),
    revokedAfter: db.prepare<[number], { id: string; revokedAt: number }>('SELECT id, revoked_at AS revokedAt FROM api_keys WHERE revoked_at > ? ORDER BY revoked_at'),
    countAdminKeys: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL"),
    insertTag: db.prepare('INSERT INTO tags (tag, account_id, marketplace, created_at) VALUES (@tag, @accountId, @marketplace, @createdAt) ON CONFLICT (tag) DO NOTHING'),
    findTag: db.prepare<[string], TagRow>('SELECT tag, account_id AS accountId, marketplace, created_at AS createdAt FROM tags WHERE tag = ?'),
    allTags: db.prepare<[], TagRow>('SELECT tag, account_id AS accountId, marketplace, created_at AS createdAt FROM tags ORDER BY tag'),
    listTags: db.prepare<[string], TagRow>('SELECT tag, account_id AS accountId, marketplace, created_at AS createdAt FROM tags WHERE account_id = ? ORDER BY created_at, tag'),
    accountTag: db.prepare<[string, string], { tag: string }>('SELECT tag FROM tags WHERE account_id = ? AND marketplace = ? ORDER BY created_at, tag LIMIT 1'),
    tagsWithAccounts: db.prepare<{ accountId: string | null }, TagRow & { accountName: string }>(
      `SELECT t.tag, t.account_id AS accountId, a.name AS accountName, t.marketplace, t.created_at AS createdAt
       FROM tags t JOIN accounts a ON a.id = t.account_id
       WHERE @accountId IS NULL OR t.account_id = @accountId ORDER BY t.tag`,
    ),
  };
  // Tags are only ever added, never changed or removed: once found, a tag is answered from memory.
  const known = new Map<string, TagRow>();
  return {
    getSetting: (key: string): string | undefined => s.getSetting.get(key)?.value,
    putSetting: (key: string, value: string): void => void s.putSetting.run({ key, value }),
    insertAccount: (a: AccountRow): void => void s.insertAccount.run(a),
    listAccounts: (): AccountRow[] => s.listAccounts.all(),
    getAccount: (id: string): AccountRow | undefined => s.getAccount.get(id),
    insertKey: (k: { id: string; accountId: string | null; role: 'admin' | 'account'; keyHash: string; createdAt: number }): void =>
      void s.insertKey.run(k),
    keyByHash: (hash: string): KeyRow | undefined => s.keyByHash.get(hash),
    keyById: (id: string): KeyRow | undefined => s.keyById.get(id),
    revokeKey: (id: string, at: number): boolean => s.revokeKey.run({ id, at }).changes > 0,
    /** Keys revoked after `since` (epoch ms), by anyone: this process, the CLI, another instance. */
    revokedAfter: (since: number): { id: string; revokedAt: number }[] => s.revokedAfter.all(since),
    hasAdminKey: (): boolean => (s.countAdminKeys.get()?.n ?? 0) > 0,
    /** False when the tag already belongs to someone. */
    insertTag: (t: TagRow): boolean => s.insertTag.run(t).changes > 0,
    /** Every beacon asks this. (An unknown tag is looked up each time: another process may add it.) */
    findTag: (tag: string): TagRow | undefined => {
      let row = known.get(tag);
      if (!row && (row = s.findTag.get(tag))) known.set(tag, row);
      return row;
    },
    listTags: (accountId: string): TagRow[] => s.listTags.all(accountId),
    allTags: (): TagRow[] => s.allTags.all(),
    accountTagIn: (accountId: string, marketplace: string): string | undefined => s.accountTag.get(accountId, marketplace)?.tag,
    /** The tags of one account, or of every account (`null`), each with its account's name; by tag. */
    tagsWithAccounts: (accountId: string | null): (TagRow & { accountName: string })[] => s.tagsWithAccounts.all({ accountId }),
  };
}
