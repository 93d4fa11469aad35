/**
 * Web Storage that never throws. Merely reading `localStorage` throws in sandboxed iframes and with
 * blocked cookies, `setItem` throws when the quota is full: the page must not break over our
 * bookkeeping, so a failure reads as "nothing stored".
 */

export type StorageArea = 'localStorage' | 'sessionStorage';

/**
 * Without `value`, what `key` holds (null or undefined when nothing); with one, stores it (`''`
 * removes the key). A refusal (quota, disabled storage) is ignored.
 * One function for both: the bundle size budget counts every byte.
 */
export const storage = (area: StorageArea, key: string, value?: string | null): string | null | undefined => {
  try {
    return window[area][value ? 'setItem' : value == '' ? 'removeItem' : 'getItem'](key, value!) as string | null | undefined;
  } catch {
    // Storage disabled or full: nothing stored.
  }
};
