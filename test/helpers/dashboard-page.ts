// Page helpers for the dashboard test: console watching and signing in.
import type { Page } from 'playwright-core';

/** Every console error and uncaught exception of the page, as text. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return errors;
}

/** Opens the dashboard, signs in with `key` and waits until the first numbers are on screen. */
export async function signIn(page: Page, collectorUrl: string, key: string): Promise<void> {
  await page.goto(`${collectorUrl}/dashboard`);
  await page.locator('#key').fill(key);
  await page.locator('#sign-in-submit').click();
  await page.locator('#updated[data-at]').waitFor();
}

/** A card's raw value (data-value) and what it shows. */
export async function readCard(page: Page, id: string): Promise<{ value: string | null; text: string | null }> {
  const card = page.locator(`#card-${id}`);
  return { value: await card.getAttribute('data-value'), text: await card.locator('.value').textContent() };
}

/** One row of the link health table as the reader sees it; `clicks` is the raw count (data-value). */
export interface ShownHealthRow {
  tag: string;
  page: string;
  problem: string;
  problemText: string;
  suggestion: string | null;
  marketplaces: string;
  clicks: string;
  clicksText: string;
  lastSeen: string;
}

/** The link health panel in one snapshot, so a live refresh cannot land between two reads. */
export function readHealth(page: Page): Promise<{ value: string | null; summary: string; tableShown: boolean; rows: ShownHealthRow[] }> {
  return page.evaluate(() => {
    const text = (node: Element | null | undefined) => node?.textContent ?? '';
    const summary = document.getElementById('health-summary')!;
    const rows = [...document.querySelectorAll<HTMLTableRowElement>('#health-table tbody tr[data-testid="health-row"]')].map((tr) => {
      const clicks = tr.querySelector<HTMLElement>('[data-testid="health-clicks"]')!;
      return {
        tag: tr.dataset.tag ?? '',
        page: tr.dataset.page ?? '',
        problem: tr.dataset.problem ?? '',
        problemText: text(tr.querySelector('.problem .badge')),
        suggestion: tr.querySelector('[data-testid="health-suggestion"]')?.textContent ?? null,
        marketplaces: text(tr.cells[3]),
        clicks: clicks.dataset.value ?? '',
        clicksText: text(clicks),
        lastSeen: text(tr.cells[5]),
      };
    });
    return { value: summary.dataset.value ?? null, summary: text(summary), tableShown: !document.getElementById('health-scroll')!.hidden, rows };
  });
}
