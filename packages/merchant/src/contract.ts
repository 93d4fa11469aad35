// The order wire contract (SPEC §4.2) that a shop and the collector share: the order and order-event
// bodies as zod schemas, how a field is named in an error, and the default tag pattern (SPEC §3).
// The collector parses what it receives with these very schemas, so an order the kit lets through
// is one the collector accepts as well-formed.
import { z } from 'zod';

/** The program's default `tagPattern` (SPEC §3): what the kit accepts unless told the program's own. */
export const DEFAULT_TAG_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}-[0-9]{2}$';

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-11-20T10:00:00Z' });
const id = (max: number) => z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const amount = z.number().int('must be an integer amount in minor units (no fractions)').min(0, 'must not be negative').max(Number.MAX_SAFE_INTEGER);

export const orderSchema = z.object({
  orderId: id(128),
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
        lineId: id(64),
        sku: id(128),
        name: z.string().max(500).optional(),
        category: id(64),
        quantity: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1_000_000),
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
  items: z.array(z.object({ lineId: id(64), quantity: z.number().int('must be a whole number').min(1, 'must be at least 1') })).min(1).optional(),
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
