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
