import { z } from 'zod';
import { EVENT_TYPES } from './payloads.js';
import { postbackTemplateProblem } from './postback.js';

/**
 * Request bodies of the events-out routes (SPEC §10). The routes parse with these and the OpenAPI
 * description is generated from them, so the two cannot disagree. Unknown fields are an error: a
 * misspelt `event` must not silently subscribe to nothing.
 */
const eventList = z
  .array(z.enum(EVENT_TYPES, { error: () => `must be one of ${EVENT_TYPES.join(', ')}` }))
  .min(1, 'must list at least one event')
  .refine((events) => new Set(events).size === events.length, 'must not list an event twice');

const endpointUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine((u) => /^https?:\/\//i.test(u) && URL.canParse(u), 'must be an absolute http or https URL');

const accountId = z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters');

/** `POST /v1/webhooks`: `account` only from the admin (an account key's endpoints are its own). */
export const webhookCreateSchema = z.strictObject({
  url: endpointUrl,
  events: eventList,
  account: accountId.optional(),
  description: z.string().max(200, 'must be at most 200 characters').optional(),
});

/** `PATCH /v1/webhooks/{id}`: `enabled: true` re-enables an endpoint disabled after 3 days of failures. */
export const webhookUpdateSchema = z
  .strictObject({
    url: endpointUrl.optional(),
    events: eventList.optional(),
    description: z.string().max(200, 'must be at most 200 characters').optional(),
    enabled: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'must change at least one of url, events, description, enabled');

/** `POST /v1/postbacks`: `url` is a template (see postback.ts). */
export const postbackCreateSchema = z.strictObject({
  url: z.string().superRefine((template, ctx) => {
    const problem = postbackTemplateProblem(template);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  events: eventList,
  account: accountId.optional(),
});

export type WebhookCreate = z.infer<typeof webhookCreateSchema>;
export type WebhookUpdate = z.infer<typeof webhookUpdateSchema>;
export type PostbackCreate = z.infer<typeof postbackCreateSchema>;
