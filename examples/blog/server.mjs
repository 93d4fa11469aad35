// A publisher's blog: static pages with the one-line Affil snippet and plain merchant links.
import express from 'express';
import { readFileSync } from 'node:fs';
import { serveFavicon } from '../favicon.mjs';

const template = readFileSync(new URL('./index.html', import.meta.url), 'utf8');

export async function startBlog({ port = 0, collectorUrl, shopUrl, tag }) {
  const app = express();
  const page = template.replaceAll('{{collector}}', collectorUrl).replaceAll('{{shop}}', shopUrl).replaceAll('{{tag}}', tag);
  app.get('/', (_req, res) => res.type('html').send(page));
  serveFavicon(app, { letter: 'J', colour: '#3563e9' });
  const server = await new Promise((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); }),
  };
}
