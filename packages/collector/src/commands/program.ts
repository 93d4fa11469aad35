import type { CliProcess } from './process.js';
import { UsageError } from '../errors.js';
import { accountsNamed, createAccount, createAccountKey, createAdminKey, createTag, listAccounts, revokeKey } from '../services/accounts.js';
import { parseArgs } from 'node:util';
import { attempt, need, openProgram, print, PROGRAM_OPTIONS } from './shared.js';

/** `affil accounts create NAME | list` */
export async function accountsCommand(proc: CliProcess, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: PROGRAM_OPTIONS, strict: true, allowPositionals: true });
  const [action, ...rest] = positionals;
  if (action !== 'create' && action !== 'list') throw new UsageError('usage: affil accounts create NAME | affil accounts list');
  const program = await openProgram(proc, values, { create: action === 'create' });
  try {
    if (action === 'create') {
      const [name] = need(rest, ['NAME'], 'affil accounts create NAME');
      const account = await attempt(() => createAccount(program.ctx, { name }));
      const namesakes = await accountsNamed(program.ctx, account.name, account.id);
      if (namesakes.length > 0) {
        proc.stderr.write(`affil: warning: ${namesakes.length === 1 ? 'another account is' : `${namesakes.length} other accounts are`} already named "${account.name}" (${namesakes.map((a) => a.id).join(', ')}); tell them apart by ID\n`);
      }
      print(proc, values.json, account, `created account ${account.id} (${account.name})`);
    } else {
      const { accounts } = await listAccounts(program.ctx);
      const lines = accounts.map((a) => `${a.id}\t${a.name}\t${a.createdAt}`);
      print(proc, values.json, accounts, lines.join('\n') || '(no accounts)');
    }
    return 0;
  } finally {
    await program.close();
  }
}

/** `affil tags add ACCOUNT TAG MARKETPLACE | list ACCOUNT` */
export async function tagsCommand(proc: CliProcess, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: PROGRAM_OPTIONS, strict: true, allowPositionals: true });
  const [action, ...rest] = positionals;
  if (action !== 'add' && action !== 'list') throw new UsageError('usage: affil tags add ACCOUNT TAG MARKETPLACE | affil tags list ACCOUNT');
  const program = await openProgram(proc, values);
  try {
    if (action === 'add') {
      const [account, tag, marketplace] = need(rest, ['ACCOUNT', 'TAG', 'MARKETPLACE'], 'affil tags add ACCOUNT TAG MARKETPLACE');
      const created = await attempt(() => createTag(program.ctx, account!, { tag, marketplace }));
      print(proc, values.json, created, `registered ${created.tag} for ${created.account} in ${created.marketplace}`);
    } else {
      const [account] = need(rest, ['ACCOUNT'], 'affil tags list ACCOUNT');
      if (!(await program.ctx.storage.accounts.getAccount(account!))) throw new UsageError(`no account "${account}"`);
      const tags = await program.ctx.storage.accounts.listTags(account!);
      print(proc, values.json, tags, tags.map((t) => `${t.tag}\t${t.marketplace}`).join('\n') || '(no tags)');
    }
    return 0;
  } finally {
    await program.close();
  }
}

/** `affil keys create ACCOUNT | create --admin | revoke KEY_ID` */
export async function keysCommand(proc: CliProcess, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { ...PROGRAM_OPTIONS, admin: { type: 'boolean' } }, strict: true, allowPositionals: true });
  const [action, ...rest] = positionals;
  if (action !== 'create' && action !== 'revoke') throw new UsageError('usage: affil keys create ACCOUNT | affil keys create --admin | affil keys revoke KEY_ID');
  const program = await openProgram(proc, values, { create: action === 'create' });
  try {
    if (action === 'create') {
      const created = values.admin
        ? (need(rest, [], 'affil keys create --admin'), await createAdminKey(program.ctx))
        : await attempt(() => createAccountKey(program.ctx, need(rest, ['ACCOUNT'], 'affil keys create ACCOUNT | affil keys create --admin')[0]!));
      print(proc, values.json, created, `created key ${created.id}; the key (shown once, store it now):\n${created.key}`);
    } else {
      const [keyId] = need(rest, ['KEY_ID'], 'affil keys revoke KEY_ID');
      await attempt(() => revokeKey(program.ctx, keyId!));
      print(proc, values.json, { id: keyId, revoked: true }, `revoked key ${keyId}`);
    }
    return 0;
  } finally {
    await program.close();
  }
}
