// `npm start`: the whole demo on fixed ports, with what to open printed.
import { startDemo } from './demo-lib.mjs';

const port = (name, fallback) => Number(process.env[name] ?? fallback);
const demo = await startDemo({
  collectorPort: port('AFFIL_PORT', 8787),
  blogPort: port('DEMO_BLOG_PORT', 8788),
  shopPort: port('DEMO_SHOP_PORT', 8789),
  log: (m) => console.error(m),
});

console.log(`
Affil demo is running.

  1. Blog (publisher):   ${demo.blog.url}
  2. Shop (merchant):    ${demo.shop.url}
  3. Dashboard:          ${demo.collector.url}/dashboard

  Admin key:             ${demo.adminKey}
  Jane's account key:    ${demo.accountKey}

Open the blog, click a product link, add it to the cart in the shop and check out; then sign in
to the dashboard with either key and watch the click, the order and (after "Ship") the earnings.
Ctrl-C stops everything.
`);

const stop = async () => {
  await demo.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
