/** The publisher bundle (`affil.js`): installs `window.Affil`. */
import { scriptTag } from './config.js';
import { audit, consent, init } from './publisher.js';
import type { Api, Stub } from './global.js';
import { safe } from './log.js';

const api = { init: safe(init), audit: safe(audit), consent: safe(consent) };
// `data-tag` first: calls the page queued before the script loaded may refine it (tags per marketplace).
const tag = scriptTag();
if (tag) api.init(tag);
// `install(api)` (global.ts) written out: the bundle keeps a call of the shared function wrapped
// (`(e=>{…})(x)`), 4 bytes gzipped. The same replay: queued calls of what this bundle implements.
Object.assign(((self as { Affil?: Stub }).Affil ??= {}), api).q?.forEach(
  safe(([name, args]: [string, ArrayLike<unknown>]) => (api as Api)[name]?.(...(args as never[]))),
);
