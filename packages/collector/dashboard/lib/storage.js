// The signed-in key lives in sessionStorage: it survives a reload, not the closing of the tab.
// Storage can throw (disabled by policy, sandboxed frames, full quota); these helpers answer
// undefined/false instead, so a storage failure only means signing in again after a reload.

const KEY = 'affil.dashboard.key';

/** The stored key, or undefined when there is none or storage is unavailable. */
export function readKey() {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Stores the key (or removes it for undefined); false when storage refused. */
export function writeKey(key) {
  try {
    if (key === undefined) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, key);
    return true;
  } catch {
    return false;
  }
}
