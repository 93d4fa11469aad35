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

/**
 * True when the reader said no: the site's `Affil.consent(false)` (`answer`), or Global Privacy
 * Control (or Do Not Track, for browsers without GPC) while `respectGpc` holds. Then nothing is sent
 * and nothing of the reader's is kept.
 */
export const optedOut = (options: PrivacyOptions, answer?: boolean): unknown =>
  answer == false ||
  (options.respectGpc != false &&
    ((navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl || navigator.doNotTrack == '1'));

