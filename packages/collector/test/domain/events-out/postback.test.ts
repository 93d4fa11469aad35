import { describe, expect, it } from 'vitest';
import { postbackTemplateProblem, postbackValues, renderPostback } from '../../../src/domain/events-out/postback.js';
import { clickCreated, commissionAdjusted, orderAttributed, payoutPaid, type OrderFacts } from '../../../src/domain/events-out/payloads.js';

const T = Date.parse('2026-11-20T10:00:00Z');
const order: OrderFacts = {
  orderId: '112-1/2', marketplace: 'jp', currency: 'JPY', orderedAt: T, account: 'acc_1', tag: 'janesblog-22', creditedTag: 'janesblog-22',
  clickId: 'c 1&x=2', sub: 'post-42', attributed: true, rule: 'click_window', status: 'on_hold',
  lines: [{ lineId: '1', sku: 'B0', category: 'toys', quantity: 1, unitAmount: 10000, attributed: true, rateBp: 300, commission: 300 }],
};

describe('postbackTemplateProblem', () => {
  it.each([
    { template: 'https://t.example/pb?cid={click_id}&payout={commission_decimal}&cur={currency}', problem: undefined },
    { template: 'http://t.example/{event}/{order_id}?s={status}&sub={sub}&c={commission}', problem: undefined, why: 'macros in the path' },
    { template: 'https://t.example/pb#{click_id}', problem: undefined, why: 'in the fragment' },
    { template: 'https://t.example/pb?cid={clickid}', problem: /unknown macro \{clickid\}; known: \{click_id\}/ },
    { template: 'https://t.example/pb?cid={}', problem: /unknown macro \{\}/ },
    { template: 'https://t.example/pb?cid={click_id', problem: /unmatched/ },
    { template: 'https://t.example/pb?cid=click_id}', problem: /unmatched/ },
    { template: 'ftp://t.example/pb?cid={click_id}', problem: 'must be an http or https URL, not ftp' },
    { template: 'javascript:alert({click_id})', problem: /http or https/ },
    { template: '/pb?cid={click_id}', problem: 'must be an absolute URL' },
    { template: 'https://{sub}.t.example/pb', problem: /not in the scheme, host or port/, why: 'a publisher value would choose the host' },
    { template: 'https://t.example{sub}/pb', problem: /not in the scheme, host or port/ },
    { template: 'https://t.example:{commission}/pb', problem: /absolute URL|scheme, host or port/, why: 'the port' },
    { template: 'https://user:pw@t.example/pb', problem: /user name or password/ },
    { template: `https://t.example/${'a'.repeat(2048)}`, problem: /at most 2048/ },
  ])('$template', ({ template, problem }) => {
    const found = postbackTemplateProblem(template);
    if (problem === undefined) expect(found).toBeUndefined();
    else if (typeof problem === 'string') expect(found).toBe(problem);
    else expect(found).toMatch(problem);
  });
});

describe('renderPostback', () => {
  it.each([
    { values: { click_id: 'abc' }, url: 'https://t.example/pb?cid=abc&sub=&e=' },
    { values: { click_id: 'a b&c=d', sub: 'x/y', event: 'order.attributed' }, url: 'https://t.example/pb?cid=a%20b%26c%3Dd&sub=x%2Fy&e=order.attributed', why: 'values URL-encoded' },
    { values: { click_id: '{sub}', sub: 'S' }, url: 'https://t.example/pb?cid=%7Bsub%7D&sub=S&e=', why: 'a value is never read as a macro' },
  ])('$values', ({ values, url }) => {
    expect(renderPostback('https://t.example/pb?cid={click_id}&sub={sub}&e={event}', values)).toBe(url);
  });
});

describe('postbackValues: macros from each event', () => {
  it.each([
    {
      why: 'held order in yen: commission in minor units and as a decimal, its status',
      event: orderAttributed(order),
      values: { event: 'order.attributed', click_id: 'c 1&x=2', sub: 'post-42', order_id: '112-1/2', status: 'on_hold', currency: 'JPY', commission: '300', commission_decimal: '300' },
    },
    {
      why: 'a return: the negative net of the reversal',
      event: commissionAdjusted({ orderId: 'o1', account: 'acc_1', tag: 't-20', currency: 'USD', sequence: 3, clickId: 'c1', sub: null, status: 'returned', entries: [{ id: 1, lineId: '1', kind: 'return', quantity: 1, amount: -1996, at: T }] }),
      values: { event: 'commission.adjusted', click_id: 'c1', order_id: 'o1', status: 'returned', currency: 'USD', commission: '-1996', commission_decimal: '-19.96' },
    },
    {
      why: 'a payout: no click, no order',
      event: payoutPaid({ id: 'po_1', account: 'acc_1', currency: 'USD', amount: 123456, through: '2026-10-31', status: 'paid', entries: 3, at: T }),
      values: { event: 'payout.paid', status: 'paid', currency: 'USD', commission: '123456', commission_decimal: '1234.56' },
    },
    {
      why: 'a click: its own id is the click id',
      event: clickCreated({ id: 'c9', tag: 't-20', account: 'acc_1', marketplace: 'us', url: 'https://www.amazon.com/', product: null, page: null, via: 'redirect', sub: 'yt-1', at: T }),
      values: { event: 'click.created', click_id: 'c9', sub: 'yt-1' },
    },
  ])('$why', ({ event, values }) => {
    expect(postbackValues(event)).toEqual(values);
  });

  it('end to end: a tracker URL for a held order', () => {
    const url = renderPostback('https://tracker.example/postback?cid={click_id}&payout={commission_decimal}&status={status}&txid={order_id}', postbackValues(orderAttributed(order)));
    expect(url).toBe('https://tracker.example/postback?cid=c%201%26x%3D2&payout=300&status=on_hold&txid=112-1%2F2');
  });
});
