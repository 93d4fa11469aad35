// The order wire contract (SPEC §4.2) that a shop and the collector share: the order and order-event
// bodies as zod schemas, how a field is named in an error, and the default tag pattern (SPEC §3).
// The collector parses what it receives with these very schemas, so an order the kit lets through
// is one the collector accepts as well-formed.
import { z } from 'zod';

/** The program's default `tagPattern` (SPEC §3): what the kit accepts unless told the program's own. */
export const DEFAULT_TAG_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}-[0-9]{2}$';

/**
 * What a merchant's identifiers may contain (SPEC §4.2). They are kept exactly as sent, so they
 * must be safe to show and to put in a URL path: no control or format characters (NUL, bidi
 * overrides, zero-width marks, lone surrogates, line separators), and for the ones that name a
 * path segment (`orderId`, `lineId`) no `/` or `\`, and not `.` or `..` (which a client resolves
 * away before the request is sent).
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;

/** Why `value` is not printable text, or undefined. */
export function printableProblem(value: string): string | undefined {
  return UNPRINTABLE.test(value) ? 'must be printable text without control or formatting characters' : undefined;
}

/** Why `value` cannot be an identifier that appears as a URL path segment, or undefined. */
export function pathSegmentProblem(value: string): string | undefined {
  if (/[/\\]/.test(value)) return 'must not contain "/" or "\\"';
  if (value === '.' || value === '..') return 'must not be "." or ".."';
  return printableProblem(value);
}

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-11-20T10:00:00Z' });
const id = (max: number) => z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const checked = (problem: (value: string) => string | undefined) => (value: string, ctx: z.RefinementCtx) => {
  const message = problem(value);
  if (message) ctx.addIssue({ code: 'custom', message });
};
/** `orderId` and `lineId` appear in URL paths and the dashboard: printable, no `/` or `\` (SPEC §4.2). */
const segmentId = (max: number) => id(max).superRefine(checked(pathSegmentProblem));
const printable = (max: number) => id(max).superRefine(checked(printableProblem));

/** SPEC §4.2 bounds: each fits comfortably in 64-bit SQL sums and exact JSON numbers. */
export const MAX_UNIT_AMOUNT = 100_000_000_000;
export const MAX_QUANTITY = 1_000_000;
export const MAX_LINE_TOTAL = 10_000_000_000_000;

const amount = z.number().int('must be an integer amount in minor units (no fractions)').min(0, 'must not be negative').max(MAX_UNIT_AMOUNT, `must be at most ${MAX_UNIT_AMOUNT} (10^11) minor units`);
const quantity = z.number().int('must be a whole number').min(1, 'must be at least 1').max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`);

export const orderSchema = z.object({
  orderId: segmentId(128),
  marketplace: id(32),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD'),
  orderedAt: isoTime,
  referral: z
    .object({ clickId: id(64).optional(), tag: id(128), clickedAt: isoTime.optional() })
    .refine((r) => r.clickId !== undefined || r.clickedAt !== undefined, 'needs clickId or clickedAt')
    .nullish(),
  items: z
    .array(
      z.object({
        lineId: segmentId(64),
        sku: printable(128),
        name: z.string().max(500).optional(),
        category: id(64),
        quantity,
        unitAmount: amount,
        cartAddedAt: isoTime.optional(),
      }),
    )
    .min(1, 'must list at least one item')
    .max(1000, 'at most 1000 lines per order'),
});
export type OrderInput = z.infer<typeof orderSchema>;

export const orderEventSchema = z.object({
  type: z.enum(['shipped', 'cancelled', 'returned']),
  at: isoTime.optional(),
  items: z.array(z.object({ lineId: segmentId(64), quantity })).min(1).optional(),
});

/** One field-level complaint: where (`items[0].quantity`), and what is wrong there. */
export interface FieldError { path: string; message: string }

/** `items[0].quantity` style paths, as users write them. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out || '(body)';
}

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown field' }));
    }
    return [{ path: formatPath(issue.path), message: issue.message }];
  });
}

// Answers (SPEC §4.2): what the collector sends back, typed once for the collector and the merchant kit.

/** One order line as the collector attributed it. */
export interface AttributedLine {
  lineId: string;
  sku: string;
  attributed: boolean;
  direct: boolean;
  reason: string;
  rateBp: number | null;
  quantity: number;
  commission: number;
}

/** The collector's answer to `POST /v1/orders` (SPEC §4.2). */
export interface OrderAttribution {
  orderId: string;
  attributed: boolean;
  rule: 'click_window' | 'cart_window' | 'none';
  clickId: string | null;
  tag: string | null;
  creditedTag: string | null;
  account: string | null;
  unverifiedReferral?: boolean;
  currency: string;
  status: string;
  lines: AttributedLine[];
  commission: number;
}

/** The order as `GET /v1/orders/{orderId}` shows it, the answer to an order event. */
export interface OrderState {
  orderId: string;
  status: 'pending' | 'shipped' | 'returned' | 'cancelled';
  attributed: boolean;
  commission: number;
  pending: number;
  earned: number;
  lines: (AttributedLine & { cancelled: number; shipped: number; returned: number; pending: number; earned: number })[];
  [field: string]: unknown;
}
