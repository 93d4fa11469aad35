/**
 * Whether this page may store anything or send events. Tag decoration never asks: it carries no
 * data about the visitor.
 */

export interface PrivacyOptions {
  /** `'pending'`: no storage and no events until `Affil.consent(true)`. Default `'granted'`. */
  consent?: 'pending' | 'granted';
  /** Honour Global Privacy Control and Do Not Track by sending nothing. Default `true`. */
  respectGpc?: boolean;
}

let waitForConsent = false;
let respectGpc = true;
// The site's explicit answer, which outlives later init() calls (the stub may replay consent first).
let answer: boolean | undefined;

export function setPrivacy(options: PrivacyOptions): void {
  waitForConsent = options.consent === 'pending';
  respectGpc = options.respectGpc !== false;
}

export function setConsent(granted: boolean): void {
  answer = granted;
}

/** True when the visitor asked not to be tracked (GPC, or DNT for browsers without GPC). */
function optedOut(): boolean {
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
  return nav.globalPrivacyControl === true || nav.doNotTrack === '1';
}

/** True when events may be sent and storage written. */
export function tracking(): boolean {
  return (answer ?? !waitForConsent) && !(respectGpc && optedOut());
}
