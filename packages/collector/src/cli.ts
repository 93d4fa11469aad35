import { parseArgs } from 'node:util';
import { resolveServeConfig } from './config.js';
import { UsageError } from './errors.js';
import { startCollector } from './server.js';
import { accountsCommand, keysCommand, tagsCommand } from './commands/program.js';
import { auditCommand } from './commands/audit.js';
import { linkCommand } from './commands/link.js';
import { backupCommand } from './commands/backup.js';
import { secretsCommand } from './commands/secrets.js';
import { dbCommand } from './commands/db.js';
import type { CliProcess } from './commands/process.js';

export type { CliProcess };

const HELP = `Usage: affil <command> [options]

Commands:
  serve                                  Run the collector (HTTP API, SDK, dashboard)
  accounts create NAME | list            Manage affiliate accounts
  tags add ACCOUNT TAG MARKETPLACE       Register a tracking ID for an account
  tags list ACCOUNT                      List an account's tracking IDs
  keys create ACCOUNT | create --admin   Issue an API key (shown once; only its hash is stored)
  keys revoke KEY_ID                     Revoke an API key
  link TAG URL [--collector URL]         Print a /go redirect link for where no script runs
                                         (default collector: AFFIL_PUBLIC_URL, publicUrl, this machine's; affil link --help)
  audit FILE|DIR|URL … [--tag TAG[,TAG…]] [--collector URL --key KEY]
                                         List merchant links and whether they earn; exit 1 if any leaks, 2 if one could not be read
                                         (tags from --collector, else --db, else --tag alone: no database needed)
  backup FILE                            Write a consistent copy of the live database to FILE
                                         (PostgreSQL: runs pg_dump --format=custom when installed, else says how)
  secrets rotate | retire                New order-callback signing secret (old ones verify until retire)
  db copy --from FILE|URL --to FILE|URL [--force]
                                         Copy every table into an empty database (SQLite → PostgreSQL, or back),
                                         from one snapshot while the collector runs; verifies row counts and ledger sums
  payouts run --through YYYY-MM-DD       Create the payouts due through a date (idempotent; --dry-run previews)
  payouts export [--through D] [--format csv|paypal|wise] [--out FILE]
                                         Write the payout batch file; payouts without details listed on stderr
  verify FILE --key <JWK set file|URL>   Check a downloaded statement offline (signature, chain, sums)
  help                                   Show this help

Commands other than serve take --db FILE|URL, --config FILE (as serve does) and --json.

affil serve options (flags beat environment, which beats the config file):
  --port N          listen port (AFFIL_PORT, default 8787)
  --host HOST       listen address (AFFIL_HOST, default 127.0.0.1)
  --db FILE|URL     SQLite database file, or a postgres:// URL (AFFIL_DB, then DATABASE_URL;
                    default ./data/affil.db)
  --config FILE     JSON config file (AFFIL_CONFIG)
  --public-url URL  collector origin embedded in /affil.js (AFFIL_PUBLIC_URL)
  --trust-proxy X   proxies whose X-Forwarded-For is believed: a hop count or addresses/CIDRs,
                    comma-separated (AFFIL_TRUST_PROXY, default none)

Environment: AFFIL_ADMIN_KEY, AFFIL_WEBHOOK_SECRET (space-separated for rotation).
`;

/** Runs the `affil` command; resolves to the exit code (serve resolves when it stops). */
export async function run(proc: CliProcess): Promise<number> {
  const [command, ...rest] = proc.argv.slice(2);
  try {
    switch (command) {
      case 'serve':
        return await serve(proc, rest);
      case 'accounts':
        return await accountsCommand(proc, rest);
      case 'tags':
        return await tagsCommand(proc, rest);
      case 'keys':
        return await keysCommand(proc, rest);
      case 'audit':
        return await auditCommand(proc, rest);
      case 'link':
        return await linkCommand(proc, rest);
      case 'backup':
        return await backupCommand(proc, rest);
      case 'secrets':
        return await secretsCommand(proc, rest);
      case 'db':
        return await dbCommand(proc, rest);
      case 'payouts': return await (await import('./commands/payouts.js')).payoutsCommand(proc, rest);
      case 'verify': return await (await import('./commands/verify.js')).verifyCommand(proc, rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        proc.stdout.write(HELP);
        return command === undefined ? 1 : 0;
      default:
        throw new UsageError(`unknown command "${command}"; run "affil help"`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      proc.stderr.write(`affil: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}

async function serve(proc: CliProcess, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, host: { type: 'string' }, db: { type: 'string' }, config: { type: 'string' }, 'public-url': { type: 'string' }, 'trust-proxy': { type: 'string' } },
    strict: true,
  });
  const config = resolveServeConfig({ ...values, publicUrl: values['public-url'], trustProxy: values['trust-proxy'] }, proc.env);
  let collector;
  try {
    collector = await startCollector(config, { log: (m) => proc.stderr.write(`${m}\n`) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new UsageError(`cannot listen on ${config.host}:${config.port}: ${code}`);
    }
    if (code?.startsWith('SQLITE_')) throw new UsageError(`cannot open database ${config.db}: ${(error as Error).message}`);
    throw error;
  }
  proc.stdout.write(`affil collector listening on ${collector.url}\n`);
  proc.stdout.write(`  database ${collector.storage.describe()}; ${config.marketplaces.length} marketplace(s): ${config.marketplaces.map((m) => m.id).join(', ')}\n`);
  if (collector.generated.adminKey) proc.stdout.write(`  admin key (shown once, store it now): ${collector.generated.adminKey}\n`);
  if (collector.generated.webhookSecret) proc.stdout.write(`  order-callback signing secret (shown once): ${collector.generated.webhookSecret}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      proc.stdout.write('affil collector stopping\n');
      void collector.close().then(resolve);
    };
    proc.once('SIGTERM', stop);
    proc.once('SIGINT', stop);
  });
  return 0;
}
