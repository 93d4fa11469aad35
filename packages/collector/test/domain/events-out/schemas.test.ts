import { describe, expect, it } from 'vitest';
import { postbackCreateSchema, webhookCreateSchema, webhookUpdateSchema } from '../../../src/domain/events-out/schemas.js';
import { fieldErrors } from '../../../src/validation.js';

const firstError = (result: { success: boolean; error?: unknown }) =>
  result.success ? undefined : fieldErrors(result.error as Parameters<typeof fieldErrors>[0])[0];

describe('events-out request bodies', () => {
  it.each([
    { schema: webhookCreateSchema, body: { url: 'https://hooks.example/affil', events: ['order.attributed'] }, error: undefined },
    { schema: webhookCreateSchema, body: { url: 'https://hooks.example/affil', events: ['order.attributed'], account: 'acc_1' }, error: undefined },
    { schema: webhookCreateSchema, body: { url: 'ftp://hooks.example/', events: ['order.attributed'] }, error: { path: 'url', message: 'must be an absolute http or https URL' } },
    { schema: webhookCreateSchema, body: { url: 'https://hooks.example/', events: [] }, error: { path: 'events', message: 'must list at least one event' } },
    { schema: webhookCreateSchema, body: { url: 'https://hooks.example/', events: ['order.created'] }, error: { path: 'events[0]', message: /must be one of order\.attributed, / } },
    { schema: webhookCreateSchema, body: { url: 'https://hooks.example/', events: ['payout.paid', 'payout.paid'] }, error: { path: 'events', message: 'must not list an event twice' } },
    { schema: webhookCreateSchema, body: { url: 'https://hooks.example/', event: ['payout.paid'] }, error: { path: 'events', message: /expected array/i } },
    { schema: webhookCreateSchema, body: { url: 'https://hooks.example/', events: ['payout.paid'], secret: 'x' }, error: { path: 'secret', message: 'unknown field' } },
    { schema: webhookUpdateSchema, body: { enabled: true }, error: undefined },
    { schema: webhookUpdateSchema, body: {}, error: { path: '(body)', message: /at least one/ } },
    { schema: postbackCreateSchema, body: { url: 'https://t.example/pb?cid={click_id}&p={commission_decimal}', events: ['order.attributed'] }, error: undefined },
    { schema: postbackCreateSchema, body: { url: 'https://t.example/pb?cid={clickid}', events: ['order.attributed'] }, error: { path: 'url', message: /unknown macro \{clickid\}/ } },
  ])('$body', ({ schema, body, error }) => {
    const found = firstError(schema.safeParse(body));
    if (!error) return expect(found).toBeUndefined();
    expect(found?.path).toBe(error.path);
    if (typeof error.message === 'string') expect(found?.message).toBe(error.message);
    else expect(found?.message).toMatch(error.message);
  });
});
