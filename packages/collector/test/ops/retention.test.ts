import { describe, expect, it } from 'vitest';
import { createClock, useCollectors } from '../helpers/collector.js';
import { clickEvent, pageviewEvent, TEST_MARKETPLACES } from '../helpers/fixtures.js';

const start = useCollectors();

describe('retention', () => {
  it('purges raw events older than retentionDays while reports keep their totals', async () => {
    const clock = createClock('2025-01-10T12:00:00Z');
    const c = await start({ marketplaces: TEST_MARKETPLACES, now: clock.now });
    const jane = await c.setupAccount('Jane', 'janesblog-20', 'us');
    await c.beacon({ events: [clickEvent(jane.tag), clickEvent(jane.tag), pageviewEvent(jane.tag, 4)] });
    clock.set('2026-11-20T12:00:00Z'); // ~680 days later: past the default 400
    await c.beacon(clickEvent(jane.tag));

    const before = (await c.admin('GET', '/v1/reports/summary?from=2025-01-01&to=2026-11-30')).body;
    expect(before).toMatchObject({ clicks: 3, pageviews: 1, linkImpressions: 4 });
    // The collector also purges on its own a second after start and hourly; either way, now none are left.
    await c.collector.purgeExpired();
    expect(await c.collector.purgeExpired()).toBe(0);
    const clicks = (await c.admin('GET', '/v1/clicks?from=2025-01-01&to=2026-11-30')).body.clicks;
    expect(clicks).toHaveLength(1);
    const after = (await c.admin('GET', '/v1/reports/summary?from=2025-01-01&to=2026-11-30')).body;
    expect(after).toEqual(before);
  });
});
