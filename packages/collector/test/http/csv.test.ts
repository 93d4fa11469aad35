import { describe, expect, it } from 'vitest';
import { toCsv } from '../../src/http/csv.js';
import { createClock, useCollectors } from '../helpers/collector.js';
import { clickEvent, TEST_MARKETPLACES } from '../helpers/fixtures.js';

const start = useCollectors();

describe('CSV formula guard', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['+1', "'+1"],
    ['-x', "'-x"],
    ['  =HYPERLINK("x")', `"'  =HYPERLINK(""x"")"`],
    ['\n=1+1', `"'\n=1+1"`],
    ['\r\n@cmd', `"'\r\n@cmd"`],
    ['\t-x', "'\t-x"],
    ['\u00a0=1', "'\u00a0=1"],
    ['\ufeff+1', "'\ufeff+1"],
    ['-12.5', '-12.5'],
    ['42', '42'],
    ['a=b', 'a=b'],
    ['janesblog-20', 'janesblog-20'],
  ])('%j is written as %j', (value, cell) => {
    expect(toCsv([{ v: value }])).toBe(`v\r\n${cell}\r\n`);
  });

  it('neutralises a hostile tag in a report download', async () => {
    const c = await start({ marketplaces: TEST_MARKETPLACES, now: createClock('2026-11-20T10:00:00Z').now });
    await c.beacon(clickEvent(' \n=HYPERLINK("https://evil.example","x")'));
    const csv = await c.request('GET', '/v1/reports/link-health?from=2026-11-20&to=2026-11-20&format=csv', { headers: { authorization: `Bearer ${c.adminKey}` } });
    expect(csv.text.split('\r\n')[1]).toMatch(/^"' \n=HYPERLINK/);
  });
});
