/** Console output: warnings always (each once per page, so a bad setup cannot flood the console), details only when debugging. */

let debugging = false;
const warned = new Set<string>();

/** Turns detail logging on for `debug: true` or a page URL with `?affil_debug=1`. */
export function setDebug(debug?: boolean): void {
  debugging = !!debug || /[?&]affil_debug=1(?:&|$)/.test(location.search);
}

export function log(...details: unknown[]): void {
  if (debugging) console.log('[affil]', ...details);
}

export function warn(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn('[affil] ' + message);
}

/** `fn` that never throws into the host page: a failure is logged when debugging and returns undefined. */
export function safe<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R | undefined {
  return (...args) => {
    try {
      return fn(...args);
    } catch (error) {
      log(error);
      return undefined;
    }
  };
}
