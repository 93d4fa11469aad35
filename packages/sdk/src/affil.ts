/** The publisher bundle (`affil.js`): installs `window.Affil`. */
import { scriptTag } from './config.js';
import { audit, consent, init } from './publisher.js';
import { install } from './global.js';
import { safe } from './log.js';

const api = { init: safe(init), audit: safe(audit), consent: safe(consent) };
// `data-tag` first: calls the page queued before the script loaded may refine it (tags per marketplace).
const tag = scriptTag();
if (tag) api.init(tag);
install(api);
