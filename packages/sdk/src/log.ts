/** Console output: warnings always, details only when debugging. */

let debugging: boolean | undefined;

/** Turns detail logging on for `debug: true` or a page URL with `?affil_debug=1`. */
export const setDebug = (debug?: boolean): void => {
  debugging = debug || /affil_debug=1/.test(location.search);
};

export const log = (detail: unknown): unknown => debugging && console.log('[affil]', detail);

// (Two arguments, as `log` writes them: the console shows `[affil] <message>` all the same.)
export const warn = (message: string): void => console.warn('[affil]', message);

/** `fn` that never throws into the host page: a failure is logged when debugging and returns undefined. */
export const safe =
  <A extends unknown[], R>(fn: (...args: A) => R) =>
  (...args: A): R | undefined => {
    try {
      return fn(...args);
    } catch (error) {
      log(error);
    }
  };
