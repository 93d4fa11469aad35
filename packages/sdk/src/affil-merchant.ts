/** The merchant landing bundle (`affil-merchant.js`): captures the referral and installs `window.Affil`. */
import { install } from './global.js';
import { safe } from './log.js';
import { cartAdd, merchant, referral } from './merchant.js';

const api = { merchant: safe(merchant), referral: safe(referral), cartAdd: safe(cartAdd) };
// Capture first, so cart adds the page queued before the script loaded find the referral.
// (`?affil_debug=1` in the page URL logs what it does; `Affil.merchant({debug: true})` from the page turns logging on from then.)
api.merchant();
install(api);
