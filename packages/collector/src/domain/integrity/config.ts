import { z } from 'zod';
import { fieldErrors, type FieldError } from '@affil/merchant/contract';
import { closest } from '../suggest.js';

/**
 * The integrity rules a program runs (SPEC §10 "Integrity"). Every rule is on by default; `false`
 * turns one off. Thresholds are documented in docs/integrity.md.
 */
export interface IntegrityConfig {
  /** Hold an order whose click came from a visitor the same account signed in from that day. Default true. */
  selfReferral: boolean;
  /** Hold orders through clicks past `clicks` from one visitor on one tag within `minutes`. Default 10 in 10. */
  burst: { clicks: number; minutes: number } | false;
  /** Hold untrusted, hidden or framed clicks, and clicks with less than `minDwellMs` on the page. Default 500 ms. */
  stuffing: { minDwellMs: number } | false;
  /** Hold orders past this many attributed to one click. Default 5. */
  orderVelocity: number | false;
}

const DEFAULT_BURST = { clicks: 10, minutes: 10 };
const DEFAULT_STUFFING = { minDwellMs: 500 };

export const DEFAULT_INTEGRITY: IntegrityConfig = {
  selfReferral: true,
  burst: DEFAULT_BURST,
  stuffing: DEFAULT_STUFFING,
  orderVelocity: 5,
};

/** A whole number in [min, max]; one message for every way to miss it, naming the unit and the range. */
const wholeIn = (min: number, max: number, unit: string) => {
  const message = `must be a whole number of ${unit} from ${min} to ${max}`;
  // Not z.number(): a type mismatch inside a rule's object would make the enclosing union report
  // only "must be false, true or an object", hiding which setting is wrong.
  return z.unknown().refine((n) => typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max, message).transform((n) => n as number);
};

// A burst window longer than a day could never fill: a visitor hash changes at 00:00 UTC.
const burstSchema = z.strictObject({ clicks: wholeIn(1, 1_000_000, 'clicks'), minutes: wholeIn(1, 1440, 'minutes') }).partial();
const stuffingSchema = z.strictObject({ minDwellMs: wholeIn(0, 600_000, 'ms') }).partial();

/** `true`/`false` switch, or the rule's settings (missing settings take their defaults). */
const ruleOf = <S extends z.ZodType>(settings: S) => z.union([z.boolean(), settings], { error: 'must be false (off), true (defaults) or an object of settings' });

/** The `integrity` key of the config file, as the file may write it. */
export const integrityConfigSchema = z
  .strictObject(
    {
      selfReferral: z.boolean({ error: 'must be true or false' }),
      burst: ruleOf(burstSchema),
      stuffing: ruleOf(stuffingSchema),
      orderVelocity: z.union([z.literal(false), z.literal(true), wholeIn(1, 1_000_000, 'orders')], {
        error: 'must be false (off), true (default 5) or a whole number of orders from 1 to 1000000',
      }),
    },
    { error: 'must be an object of rules: selfReferral, burst, stuffing, orderVelocity' },
  )
  .partial();

export type IntegrityConfigFile = z.infer<typeof integrityConfigSchema>;

/** The rules to run: the file's settings over the defaults. */
export function resolveIntegrity(file: IntegrityConfigFile | undefined): IntegrityConfig {
  const d = DEFAULT_INTEGRITY;
  const burst = file?.burst;
  const stuffing = file?.stuffing;
  const velocity = file?.orderVelocity;
  return {
    selfReferral: file?.selfReferral ?? d.selfReferral,
    burst: burst === false ? false : { ...DEFAULT_BURST, ...(typeof burst === 'object' ? definedOnly(burst) : {}) },
    stuffing: stuffing === false ? false : { ...DEFAULT_STUFFING, ...(typeof stuffing === 'object' ? definedOnly(stuffing) : {}) },
    orderVelocity: velocity === false ? false : typeof velocity === 'number' ? velocity : d.orderVelocity,
  };
}

export type IntegrityParse = { ok: true; config: IntegrityConfig } | { ok: false; errors: FieldError[] };

/**
 * Validates the config file's `integrity` value (anything JSON) and resolves it. Errors name the
 * key from the top of the file (`integrity.burst.clicks`), with a suggestion for a mistyped key.
 */
export function parseIntegrityConfig(value: unknown): IntegrityParse {
  if (value === undefined) return { ok: true, config: resolveIntegrity(undefined) };
  const result = integrityConfigSchema.safeParse(value);
  if (result.success) return { ok: true, config: resolveIntegrity(result.data) };
  const errors = fieldErrors(result.error).map((e) => {
    const path = e.path === '(body)' ? 'integrity' : `integrity.${e.path}`;
    return { path, message: e.message === 'unknown field' ? `unknown field${suggestKey(path)}` : e.message };
  });
  return { ok: false, errors };
}

const KNOWN_KEYS: Record<string, readonly string[]> = {
  integrity: Object.keys(integrityConfigSchema.shape),
  'integrity.burst': Object.keys(burstSchema.shape),
  'integrity.stuffing': Object.keys(stuffingSchema.shape),
};

/** ` (did you mean "minutes"?)` or the keys that exist there. */
function suggestKey(path: string): string {
  const dot = path.lastIndexOf('.');
  const known = KNOWN_KEYS[path.slice(0, dot)];
  if (!known) return '';
  const key = closest(path.slice(dot + 1), known);
  return key ? ` (did you mean "${key}"?)` : ` (known keys: ${known.join(', ')})`;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
