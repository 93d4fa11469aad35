/** The page's `window.Affil`, shared by the publisher and merchant bundles. */

type Api = Record<string, (...args: never[]) => unknown>;
type Stub = Partial<Api> & { q?: [string, ArrayLike<unknown>][] };

/**
 * Puts `api` on `window.Affil` and replays, in order, the calls the async snippet's stub queued in
 * `Affil.q` (`['init', arguments]`). Each bundle replays only the calls it implements and leaves the
 * rest, so both bundles can load on one page in either order.
 */
export function install(api: Api): void {
  const w = window as unknown as { Affil?: Stub };
  const global = (w.Affil ??= {});
  const queued = global.q ?? [];
  Object.assign(global, api);
  global.q = queued.filter(([name, args]) => {
    const call = api[name];
    call?.apply(null, args as never);
    return !call;
  });
}
