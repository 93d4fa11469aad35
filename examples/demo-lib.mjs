// The demo program of SPEC §9: a collector, a publisher's blog and a merchant's shop, each on
// its own origin. `npm start` runs it; the end-to-end test drives the very same code.
import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { startCollector, DEFAULT_PROGRAM } from '@affil/collector';
import { startBlog } from './blog/server.mjs';
import { startShop } from './shop/server.mjs';

export const DEMO_TAG = 'janesblog-20';

/**
 * Starts the three servers. Ports default to 0 (any free port); `db` is wiped first so every
 * run starts from an empty program.
 */
export async function startDemo({ collectorPort = 0, blogPort = 0, shopPort = 0, db = './data/demo.db', log = () => {} } = {}) {
  if (db !== ':memory:') for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
  const adminKey = `affil_admin_demo_${randomBytes(12).toString('base64url')}`;
  const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;

  // The shop must exist first: its origin is the demo marketplace's link host.
  const shop = await startShop({ port: shopPort, webhookSecret, log });
  const collector = await startCollector(
    {
      ...DEFAULT_PROGRAM,
      marketplaces: [
        {
          id: 'us',
          hosts: [shop.host],
          tagSuffix: '-20',
          currency: 'USD',
          rates: { default: 400, electronics: 400, books: 450, toys: 300, grocery: 100 },
        },
      ],
      // Whoever tries the demo is both Jane (signed in to the dashboard with her key) and her
      // reader (the blog and the shop, same machine and browser): exactly what the self-referral
      // rule holds, so every demo order after a sign-in would wait for review. Off here only;
      // the other rules stay on, and a real program keeps the default (on). README, "Try it".
      integrity: { ...DEFAULT_PROGRAM.integrity, selfReferral: false },
      port: collectorPort,
      host: '127.0.0.1',
      db,
      adminKey,
      webhookSecrets: [webhookSecret],
      publicUrl: undefined,
    },
    { log },
  );
  shop.useCollector(collector.url);

  const api = async (method, path, body) => {
    const res = await fetch(`${collector.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const account = await api('POST', '/v1/accounts', { name: "Jane's Blog" });
  await api('POST', `/v1/accounts/${account.id}/tags`, { tag: DEMO_TAG, marketplace: 'us' });
  const { key: accountKey } = await api('POST', `/v1/accounts/${account.id}/keys`);

  const blog = await startBlog({ port: blogPort, collectorUrl: collector.url, shopUrl: shop.url, tag: DEMO_TAG });

  return {
    collector,
    blog,
    shop,
    adminKey,
    accountKey,
    accountId: account.id,
    webhookSecret,
    async close() {
      await Promise.all([blog.close(), shop.close()]);
      await collector.close();
    },
  };
}
