import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_PATH } from './chromium.js';

/**
 * Headless Chromium for the publisher SDK's browser tests: the flags of `launchChromium()`
 * (test/helpers/chromium.ts), plus host names under `.test` resolved to 127.0.0.1, so a fixture blog
 * can be a plain `http:` origin that is not a secure context (no `crypto.randomUUID`), as many
 * publisher pages are, and the blog, the shop and the collector are three different sites.
 */
export async function launchSdkBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic',
      '--host-resolver-rules=MAP *.test 127.0.0.1',
    ],
  });
}
