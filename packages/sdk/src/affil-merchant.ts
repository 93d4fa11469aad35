/** The merchant landing bundle (`affil-merchant.js`): captures the referral and installs `window.Affil`. */
import { install } from './global.js';
import { safe, setDebug } from './log.js';
import { cartAdd, merchant, referral } from './merchant.js';

// `?affil_debug=1` in the page URL logs what the script does, as in the publisher bundle.
setDebug();
const api = { merchant: safe(merchant), referral: safe(referral), cartAdd: safe(cartAdd) };
// Capture first, so cart adds the page queued before the script loaded find the referral.
api.merchant();
install(api);
