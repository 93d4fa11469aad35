/** The page's `window.Affil`, shared by the publisher and merchant bundles. */
import { safe } from './log.js';

export type Api = Record<string, (...args: never[]) => unknown>;
export type Stub = Partial<Api> & { q?: [string, ArrayLike<unknown>][] };

/**
 * Adds `api` to `window.Affil` and replays, in order, the calls the async snippet's stub queued in
 * `Affil.q` (`['init', arguments]`). Each bundle runs only the calls it implements, so the publisher
 * and merchant bundles can share the global, loaded in either order. An entry the page wrote by hand
 * that is not `[name, arguments]` is skipped (logged in debug mode), never thrown into the page.
 */
// (Read through `self`, the window in a page, like the embedded program: shorter than `window`.)
export const install = (api: Api): void =>
  Object.assign(((self as unknown as { Affil?: Stub }).Affil ??= {}), api).q?.forEach(
    safe(([name, args]: [string, ArrayLike<unknown>]) =>
      // Spread: the stub queues `arguments` objects, which are iterable.
      api[name]?.(...(args as never[])),
    ),
  );
