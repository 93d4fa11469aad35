/**
 * Web Storage that never throws. Merely reading `localStorage` throws in sandboxed iframes and with
 * blocked cookies, `setItem` throws when the quota is full or (old Safari) in private mode: the page
 * must not break over our bookkeeping, so failures read as "nothing stored" / `false`.
 */

export type StorageArea = 'localStorage' | 'sessionStorage';

export function readStorage(area: StorageArea, key: string): string | null {
  try {
    return window[area].getItem(key);
  } catch {
    return null;
  }
}

/** Stores `value` under `key`, or removes the key for `null`; false when the browser refused. */
export function writeStorage(area: StorageArea, key: string, value: string | null): boolean {
  try {
    if (value === null) window[area].removeItem(key);
    else window[area].setItem(key, value);
    return true;
  } catch {
    return false;
  }
}
