// What the reader is looking at (period, breakdown, account), kept in the URL fragment so a
// reload or a shared link shows the same view. The fragment never reaches the server.
import { defaultPeriod, isDay } from './format.js';
import { DIMENSIONS } from './breakdown.js';

/** The view a fragment such as `#from=2026-11-01&to=2026-11-30&by=page` asks for; defaults fill the gaps. */
export function readView(hash, now = Date.now()) {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const period = defaultPeriod(now);
  const from = q.get('from');
  const to = q.get('to');
  const by = q.get('by');
  return {
    from: isDay(from) ? from : period.from,
    to: isDay(to) ? to : period.to,
    by: DIMENSIONS.some(([id]) => id === by) ? by : 'tag',
    account: q.get('account') || '',
  };
}

/** The fragment for a view. */
export function viewHash(view) {
  const q = new URLSearchParams({ from: view.from, to: view.to, by: view.by });
  if (view.account) q.set('account', view.account);
  return `#${q}`;
}
