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
 * True when events may be sent and storage written: consent is not pending (or `answer`, the site's
 * `Affil.consent()` answer, granted it), and the visitor did not opt out with Global Privacy Control
 * (or Do Not Track, for browsers without GPC).
 */
export const tracking = (options: PrivacyOptions, answer?: boolean): boolean =>
  (answer ?? options.consent != 'pending') &&
  !(
    options.respectGpc != false &&
    ((navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl || navigator.doNotTrack == '1')
  );
