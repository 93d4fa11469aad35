import { minorToDecimal } from '../money.js';
import type { OutboundEvent } from './payloads.js';

/**
 * Postbacks (SPEC §10): a URL template per account, requested (GET) on the events it lists, as
 * campaign trackers (Voluum, Keitaro, Prosper202) expect: `https://t.example/pb?cid={click_id}&
 * payout={commission_decimal}`. Macros are replaced by URL-encoded values; an empty value for a
 * macro the event does not have (a payout has no click).
 */
export const POSTBACK_MACROS = ['click_id', 'sub', 'order_id', 'commission', 'commission_decimal', 'currency', 'status', 'event'] as const;
export type PostbackMacro = (typeof POSTBACK_MACROS)[number];
export type PostbackValues = Partial<Record<PostbackMacro, string>>;

/** The longest template accepted: trackers' URLs are long, but not this long. */
export const MAX_TEMPLATE_LENGTH = 2048;

const MACRO = /\{([^{}]*)\}/g;
const isMacro = (name: string): name is PostbackMacro => (POSTBACK_MACROS as readonly string[]).includes(name);

/**
 * Why `template` cannot be a postback URL, or undefined. Only http(s); every `{…}` a known macro;
 * and macros only after the host: a value chosen by a publisher (`{sub}`) must never choose where
 * the request goes.
 */
export function postbackTemplateProblem(template: string): string | undefined {
  if (template.length > MAX_TEMPLATE_LENGTH) return `must be at most ${MAX_TEMPLATE_LENGTH} characters`;
  for (const [, name] of template.matchAll(MACRO)) {
    if (!isMacro(name!)) return `unknown macro {${name}}; known: ${POSTBACK_MACROS.map((m) => `{${m}}`).join(', ')}`;
  }
  const rest = template.replace(MACRO, '');
  if (/[{}]/.test(rest)) return 'has an unmatched "{" or "}"';
  // Two renderings with different values: if anything before the path changes, a macro sits in it.
  const a = parse(render(template, () => 'a'));
  const b = parse(render(template, () => 'b.c'));
  if (!a || !b) return 'must be an absolute URL';
  if (a.protocol !== 'http:' && a.protocol !== 'https:') return `must be an http or https URL, not ${a.protocol.slice(0, -1)}`;
  if (a.username || a.password) return 'must not carry a user name or password';
  if (a.origin !== b.origin) return 'macros may appear only in the path, query or fragment, not in the scheme, host or port';
  return undefined;
}

/** The URL for one event: each macro replaced by its value, URL-encoded (absent: empty). */
export function renderPostback(template: string, values: PostbackValues): string {
  return render(template, (name) => values[name] ?? '');
}

function render(template: string, value: (name: PostbackMacro) => string): string {
  return template.replace(MACRO, (whole, name: string) => (isMacro(name) ? encodeURIComponent(value(name)) : whole));
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

interface MacroSource {
  clickId?: string | null;
  sub?: string | null;
  orderId?: string | null;
  status?: string | null;
  currency?: string;
  /** Order events: `commission`; adjustments and payouts: `amount`. */
  commission?: number;
  amount?: number;
}

/**
 * The macro values of an event, from its payload: what a tracker needs to match its own click
 * (`click_id`, `sub`) and book the conversion (`commission`, its decimal form, `currency`, `status`).
 */
export function postbackValues(event: OutboundEvent): PostbackValues {
  const d = (event.payload.data ?? {}) as MacroSource;
  const type = event.payload.type;
  const amount = type === 'order.attributed' || type === 'order.updated' ? d.commission : d.amount;
  const values: PostbackValues = { event: type };
  const clickId = type === 'click.created' ? (d as { id?: string }).id : d.clickId;
  if (clickId) values.click_id = clickId;
  if (d.sub) values.sub = d.sub;
  const orderId = type.startsWith('order.') || type === 'commission.adjusted' ? d.orderId : undefined;
  if (orderId) values.order_id = orderId;
  if (d.status) values.status = d.status;
  if (d.currency) values.currency = d.currency;
  if (amount !== undefined && d.currency) {
    values.commission = String(amount);
    values.commission_decimal = minorToDecimal(amount, d.currency);
  }
  return values;
}
