/**
 * A `webhook-id` names one request (SPEC §4.2): the path it was sent to and a hash of its content
 * are kept with the delivery, so the same id on another path or with other content is refused
 * instead of answered with the first request's body. Deliveries recorded before this have neither
 * (NULL) and replay as they always did.
 */
export const name = 'delivery_content';

export const sql = `
ALTER TABLE webhook_deliveries ADD COLUMN path TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN content_hash TEXT;
`;
