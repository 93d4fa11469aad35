import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { integrityConfigSchema, resolveIntegrity } from './domain/integrity/config.js';
import { DEFAULT_MARKETPLACES, DEFAULT_PROGRAM, DEFAULT_RATES, DEFAULT_TAG_PATTERN, type ProgramConfig } from './domain/program.js';
import { UsageError } from './errors.js';
import { fieldErrors } from './validation.js';
import { closest } from './domain/suggest.js';
import { parsePayoutsConfig, PayoutsConfigError } from './domain/payouts.js';
import { parseTrustProxy, publicSuffixProblem, trustProxyProblem, unsafePatternProblem, type TrustProxy } from './config-safety.js';

export interface ServeConfig extends ProgramConfig {
  port: number;
  host: string;
  db: string;
  /** When set, the admin key; otherwise one is generated on first start. */
  adminKey: string | undefined;
  /** Order-callback signing secrets (`whsec_…`); the first signs, any verifies. */
  webhookSecrets: string[] | undefined;
  /** Origin used in `/affil.js`; default: the request's own origin. */
  publicUrl: string | undefined;
  /**
   * Proxies whose X-Forwarded-For is believed (Express semantics): a hop count, or their addresses
   * and CIDR ranges. Rate limits use the client address this yields. Default false: no proxy, the
   * socket's peer is the client.
   */
  trustProxy?: TrustProxy;
  /** Open `/v1/stream` connections one API key may hold. Default 10. */
  streamsPerKey?: number;
  /** Open `/v1/stream` connections in all. Default 1,000. */
  streamsTotal?: number;
  /** Serve `/metrics` without a key (for a scraper on a private network). Default false: admin key. */
  metricsPublic?: boolean;
  /** PostgreSQL: connections per collector process. Default 10. */
  dbPoolSize?: number;
  /** PostgreSQL: statement timeout in ms; a query past it fails (503) instead of hanging. Default 5000. */
  dbStatementTimeoutMs?: number;
  /** Events out: let webhooks and postbacks reach loopback, private and link-local addresses. Default false. */
  allowPrivateWebhookTargets?: boolean;
  /** Events out: the deadline of one outbound request, ms. Default 10,000. */
  webhookTimeoutMs?: number;
}

/** Server settings that are not part of the program's rules, with their defaults (optional in ServeConfig: these apply when absent). */
export const DEFAULT_SERVER = { trustProxy: false, streamsPerKey: 10, streamsTotal: 1000, metricsPublic: false, dbPoolSize: 10, dbStatementTimeoutMs: 5000, allowPrivateWebhookTargets: false, webhookTimeoutMs: 10_000 } as const satisfies Partial<ServeConfig>;

export { DEFAULT_MARKETPLACES, DEFAULT_PROGRAM, DEFAULT_RATES, DEFAULT_TAG_PATTERN, type ProgramConfig };

const hostSchema = z
  .string()
  .regex(/^[a-z0-9.-]+(:[0-9]{1,5})?$/, 'must be a lowercase hostname, optionally with :port (no scheme or path)')
  .superRefine((host, ctx) => {
    const problem = publicSuffixProblem(host);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const marketplaceSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9_-]{1,32}$/, 'must be 1-32 characters of a-z, 0-9, _ or -'),
  hosts: z.array(hostSchema).min(1, 'must list at least one host'),
  tagSuffix: z.string().regex(/^-[a-z0-9]{1,8}$/, 'must look like -20'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD'),
  rates: z
    .record(z.string().min(1), z.number().int('must be a whole number of basis points').min(0).max(10_000))
    .refine((r) => Object.hasOwn(r, 'default'), 'must include a "default" rate'),
});

const regexSchema = z.string().superRefine((pattern, ctx) => {
  try {
    new RegExp(pattern);
  } catch {
    return void ctx.addIssue({ code: 'custom', message: 'must be a valid regular expression' });
  }
  const problem = unsafePatternProblem(pattern);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const trustProxySchema = z
  .union([z.boolean(), z.number(), z.string(), z.array(z.string())])
  .transform((value, ctx): TrustProxy => {
    const parsed = typeof value === 'string' ? parseTrustProxy(value) : value;
    const problem = trustProxyProblem(parsed);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return parsed as TrustProxy;
  });

export const configFileSchema = z
  .strictObject({
    port: z.number().int().min(0).max(65535),
    host: z.string().min(1),
    /** A SQLite file path, or a postgres:// URL. */
    db: z.string().min(1),
    publicUrl: z.url(),
    clickWindowHours: z.number().positive().max(24 * 365),
    cartWindowDays: z.number().positive().max(3650),
    tagPattern: regexSchema,
    rateLimitPerMinute: z.number().int().min(0),
    retentionDays: z.number().int().min(1),
    marketplaces: z.array(marketplaceSchema).min(1),
    /** Proxies whose X-Forwarded-For is believed: hop count or addresses (default false; see ServeConfig). */
    trustProxy: trustProxySchema,
    /** Open live streams per key (default 10). */
    streamsPerKey: z.number().int().min(1).max(10_000),
    /** Open live streams in all (default 1,000). */
    streamsTotal: z.number().int().min(1).max(100_000),
    /** `/metrics` without a key (default false). */
    metricsPublic: z.boolean(),
    /** PostgreSQL connections per collector (default 10; SQLite ignores it). */
    dbPoolSize: z.number().int().min(1).max(1000),
    /** PostgreSQL statement timeout in ms (default 5000; SQLite ignores it). */
    dbStatementTimeoutMs: z.number().int().min(100).max(600_000),
    /** Webhooks and postbacks may reach loopback, private and link-local addresses (default false). */
    allowPrivateWebhookTargets: z.boolean(),
    /** Deadline of one outbound webhook or postback request, ms (default 10000). */
    webhookTimeoutMs: z.number().int().min(100).max(120_000),
    /** Money out: `{payableAfterDays: 60, minimum: {USD: 1000}}`, every key optional (domain/payouts.ts). */
    payouts: z.unknown().superRefine((value, ctx) => {
      try {
        parsePayoutsConfig(value);
      } catch (error) {
        if (!(error instanceof PayoutsConfigError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
      }
    }),
    /** Integrity rules (docs/integrity.md). */
    integrity: integrityConfigSchema,
  })
  .partial()
  .superRefine((cfg, ctx) => {
    const ids = new Set<string>();
    const hosts = new Map<string, string>();
    for (const [i, m] of (cfg.marketplaces ?? []).entries()) {
      if (ids.has(m.id)) ctx.addIssue({ code: 'custom', path: ['marketplaces', i, 'id'], message: `duplicate marketplace id "${m.id}"` });
      ids.add(m.id);
      for (const [j, h] of m.hosts.entries()) {
        const other = hosts.get(h);
        if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['marketplaces', i, 'hosts', j], message: `host "${h}" already belongs to marketplace "${other}"` });
        hosts.set(h, m.id);
      }
    }
  });

export type ConfigFile = z.infer<typeof configFileSchema>;

/** Reads and validates a JSON config file, throwing a UsageError that names the file and field. */
export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const result = configFileSchema.safeParse(json);
  if (!result.success) {
    const lines = fieldErrors(result.error).map((e) => `  ${e.path}: ${e.message}${e.message === 'unknown field' ? suggestKey(e.path) : ''}`);
    throw new UsageError(`config file ${path} is invalid:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** ` (did you mean "cartWindowDays"?)` for a mistyped key, at the top level or in a marketplace. */
function suggestKey(path: string): string {
  const match = /^(?:marketplaces\[\d+\]\.)?([^.[\]]+)$/.exec(path);
  if (!match) return '';
  const known = Object.keys(path.startsWith('marketplaces[') ? marketplaceSchema.shape : configFileSchema.shape);
  const key = closest(match[1]!, known);
  return key ? ` (did you mean "${key}"?)` : ` (known keys: ${known.join(', ')})`;
}

export interface ServeFlags {
  port?: string | undefined;
  host?: string | undefined;
  db?: string | undefined;
  config?: string | undefined;
  publicUrl?: string | undefined;
  trustProxy?: string | undefined;
}

/** True for a collector origin as `--public-url` and `affil link --collector` take it: `https://host[:port]`, an optional `/`. */
export const isOrigin = (url: string): boolean => /^https?:\/\/[^/\s]+\/?$/.test(url);

/** Resolves `affil serve` settings: flags, then environment, then config file, then defaults. */
export function resolveServeConfig(flags: ServeFlags, env: NodeJS.ProcessEnv): ServeConfig {
  const configPath = flags.config ?? env.AFFIL_CONFIG;
  const file: ConfigFile = configPath ? readConfigFile(configPath) : {};
  const port = parsePort(flags.port ?? env.AFFIL_PORT, file.port ?? 8787);
  const publicUrl = flags.publicUrl ?? env.AFFIL_PUBLIC_URL ?? file.publicUrl;
  if (publicUrl !== undefined && !isOrigin(publicUrl)) {
    throw new UsageError(`public URL "${publicUrl}" must be an origin such as https://track.example.com`);
  }
  const secrets = env.AFFIL_WEBHOOK_SECRET?.split(/\s+/).filter(Boolean);
  for (const secret of secrets ?? []) {
    if (!/^whsec_[A-Za-z0-9+/=]{16,}$/.test(secret)) throw new UsageError('AFFIL_WEBHOOK_SECRET must hold whsec_<base64> secrets separated by spaces');
  }
  return {
    ...DEFAULT_PROGRAM,
    ...withoutServerKeys(file),
    integrity: resolveIntegrity(file.integrity),
    streamsPerKey: file.streamsPerKey ?? DEFAULT_SERVER.streamsPerKey,
    streamsTotal: file.streamsTotal ?? DEFAULT_SERVER.streamsTotal,
    metricsPublic: file.metricsPublic ?? DEFAULT_SERVER.metricsPublic,
    trustProxy: resolveTrustProxy(flags.trustProxy ?? env.AFFIL_TRUST_PROXY, file.trustProxy),
    port,
    host: flags.host ?? env.AFFIL_HOST ?? file.host ?? '127.0.0.1',
    // --db, then AFFIL_DB, then DATABASE_URL (what hosting platforms set), then the file.
    db: flags.db ?? (env.AFFIL_DB || undefined) ?? (env.DATABASE_URL || undefined) ?? file.db ?? './data/affil.db',
    dbPoolSize: file.dbPoolSize ?? DEFAULT_SERVER.dbPoolSize,
    dbStatementTimeoutMs: file.dbStatementTimeoutMs ?? DEFAULT_SERVER.dbStatementTimeoutMs,
    allowPrivateWebhookTargets: file.allowPrivateWebhookTargets ?? DEFAULT_SERVER.allowPrivateWebhookTargets,
    webhookTimeoutMs: file.webhookTimeoutMs ?? DEFAULT_SERVER.webhookTimeoutMs,
    adminKey: env.AFFIL_ADMIN_KEY || undefined,
    webhookSecrets: secrets?.length ? secrets : undefined,
    publicUrl: publicUrl?.replace(/\/$/, ''),
    payouts: parsePayoutsConfig(file.payouts),
  };
}

function withoutServerKeys(file: ConfigFile): Partial<ProgramConfig> {
  const { port: _port, host: _host, db: _db, dbPoolSize: _pool, dbStatementTimeoutMs: _timeout, publicUrl: _publicUrl, trustProxy: _trust, streamsPerKey: _perKey, streamsTotal: _total, metricsPublic: _metrics, allowPrivateWebhookTargets: _private, webhookTimeoutMs: _webhookTimeout, ...program } = file;
  return program as Partial<ProgramConfig>;
}

/** `--trust-proxy` / `AFFIL_TRUST_PROXY` text beats the file's value. */
function resolveTrustProxy(text: string | undefined, fromFile: TrustProxy | undefined): TrustProxy {
  if (text === undefined) return fromFile ?? DEFAULT_SERVER.trustProxy;
  const parsed = parseTrustProxy(text);
  const problem = trustProxyProblem(parsed);
  if (problem !== undefined) throw new UsageError(`trust proxy "${text}": ${problem}`);
  return parsed as TrustProxy;
}

function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`port "${value}" must be a number from 0 to 65535`);
  return port;
}
