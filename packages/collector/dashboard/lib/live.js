// Keeps `/v1/stream` open while signed in and says how it is doing. A dropped stream is retried
// with growing pauses so a restarting collector is not hammered; a rejected key stops retrying.
import { readEvents } from './sse.js';

/** Pause before reconnect attempt `n` (0-based): 1 s, 2 s, 4 s … at most 30 s. */
export const retryDelay = (n) => Math.min(30_000, 1000 * 2 ** n);

/** What the page reacts to: clicks arrive gathered (`clicks`, SPEC §10), orders and adjustments one by one. */
const LIVE_TYPES = new Set(['clicks', 'click', 'order', 'adjustment']);

/**
 * Opens the stream. `onEvent({type, data})` gets each batch of clicks, order and adjustment; `onState`
 * gets 'connecting' | 'live' | 'offline' | 'unauthorized'. Returns `stop()`.
 */
export function connectLive(api, { onEvent, onState }) {
  const controller = new AbortController();
  let attempt = 0;
  let timer;

  async function run() {
    onState('connecting');
    try {
      const res = await api.open('/v1/stream', { signal: controller.signal });
      attempt = 0;
      onState('live');
      await readEvents(res, (event) => {
        if (LIVE_TYPES.has(event.type)) onEvent(event);
      });
    } catch (error) {
      if (controller.signal.aborted) return;
      if (error.status === 401) return onState('unauthorized');
    }
    if (controller.signal.aborted) return;
    onState('offline');
    timer = setTimeout(run, retryDelay(attempt++));
  }

  run();
  return function stop() {
    clearTimeout(timer);
    controller.abort();
  };
}
