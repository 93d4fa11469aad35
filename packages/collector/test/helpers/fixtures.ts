import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Marketplace } from '../../src/domain/marketplace.js';
import type { Json, Reply } from './collector.js';

/** SPEC §5 worked example rates: electronics 400 bp, books 450 bp. */
export const US: Marketplace = {
  id: 'us',
  hosts: ['amazon.com'],
  tagSuffix: '-20',
  currency: 'USD',
  rates: { default: 400, electronics: 400, books: 450 },
};
/** A second storefront with different rates, for cross-marketplace orders. */
export const UK: Marketplace = {
  id: 'uk',
  hosts: ['amazon.co.uk'],
  tagSuffix: '-21',
  currency: 'GBP',
  rates: { default: 300, electronics: 250, books: 500 },
};
export const TEST_MARKETPLACES: Marketplace[] = [US, UK];

export const CAMERA = 'B08XYZ1234';
export const BOOK = '0143127748';
export const CAMERA_URL = `https://www.amazon.com/Example-Camera/dp/${CAMERA}?tag=janesblog-20`;

export interface ClickOptions {
  id?: string;
  url?: string;
  page?: string;
  via?: string;
  at?: number;
}

/** A `click` beacon as the SDK sends it. */
export function clickEvent(tag: string, o: ClickOptions = {}) {
  return {
    type: 'click',
    id: o.id ?? randomUUID(),
    tag,
    url: o.url ?? CAMERA_URL,
    page: o.page ?? 'https://janesblog.example/best-cameras',
    session: 'sess-1',
    via: o.via ?? 'click',
    at: o.at ?? Date.now(),
  };
}

export function pageviewEvent(tag: string, links: number) {
  return { type: 'pageview', id: randomUUID(), tag, page: 'https://janesblog.example/best-cameras', session: 'sess-1', links, at: Date.now() };
}

export function cartAddEvent(clickId: string, sku: string) {
  return { type: 'cart_add', id: randomUUID(), click: clickId, sku, at: Date.now() };
}

export interface OrderOptions {
  orderId?: string;
  marketplace?: string;
  currency?: string;
  orderedAt: string;
  /** Omitted: an order with no referral. */
  referral?: { clickId?: string; tag: string; clickedAt?: string };
  items?: Json[];
}

/** SPEC §5 worked example lines: camera 49900 × 1 (electronics), book 1299 × 2 (books). */
export const workedExampleItems = (): Json[] => [
  { lineId: '1', sku: CAMERA, name: 'Camera', category: 'electronics', quantity: 1, unitAmount: 49900 },
  { lineId: '2', sku: BOOK, name: 'Book', category: 'books', quantity: 2, unitAmount: 1299 },
];

/** An order callback body; by default the worked example's lines in marketplace `us`. */
export function orderBody(o: OrderOptions): Json {
  return {
    orderId: o.orderId ?? `112-${randomUUID().slice(0, 8)}`,
    marketplace: o.marketplace ?? 'us',
    currency: o.currency ?? 'USD',
    orderedAt: o.orderedAt,
    ...(o.referral ? { referral: o.referral } : {}),
    items: o.items ?? workedExampleItems(),
  };
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Asserts an RFC 9457 problem: status, content type, the four members, and that the detail
 * (or a field error path) names `field` when given.
 */
export function expectProblem(reply: Reply, status: number, field?: string): void {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
  expect(reply.body.type.length).toBeGreaterThan(0);
  expect(reply.body.title.length).toBeGreaterThan(0);
  if (field !== undefined) expect(reply.body.detail, reply.text).toContain(field);
}
