/**
 * Web Storage that never throws. Merely reading `localStorage` throws in sandboxed iframes and with
 * blocked cookies, `setItem` throws when the quota is full: the page must not break over our
 * bookkeeping, so a failure reads as "nothing stored".
 */

export type StorageArea = 'localStorage' | 'sessionStorage';

export const readStorage = (area: StorageArea, key: string): string | null | undefined => {
  try {
    return window[area].getItem(key);
  } catch {
    // Storage disabled: nothing stored.
  }
};

/** Stores `value` under `key`, or removes the key for null/undefined; a refusal (quota, disabled) is ignored. */
export const writeStorage = (area: StorageArea, key: string, value?: string | null): void => {
  try {
    window[area][value == null ? 'removeItem' : 'setItem'](key, value!);
  } catch {
    // Nothing stored: readers see it as absent.
  }
};
