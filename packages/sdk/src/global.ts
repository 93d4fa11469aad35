/** The page's `window.Affil`, shared by the publisher and merchant bundles. */

type Api = Record<string, (...args: never[]) => unknown>;
type Stub = Partial<Api> & { q?: [string, ArrayLike<unknown>][] };

/**
 * Adds `api` to `window.Affil` and replays, in order, the calls the async snippet's stub queued in
 * `Affil.q` (`['init', arguments]`). Each bundle runs only the calls it implements, so the publisher
 * and merchant bundles can share the global, loaded in either order.
 */
export const install = (api: Api): void =>
  Object.assign(((window as unknown as { Affil?: Stub }).Affil ??= {}), api).q?.forEach(([name, args]) =>
    // Spread: the stub queues `arguments` objects, which are iterable.
    api[name]?.(...(args as never[])),
  );
