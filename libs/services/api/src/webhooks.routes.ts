import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createWebhookChannel, type WebhookChannel } from '@slotwatch/channel-webhook';
import Type from 'typebox';
import type { AppDeps } from './app';
import { anyKey, callerOf } from './auth';
import { listDeliveries, replayDeliveries, webhookOfDelivery } from './deliveries.repository';
import { toPage } from './pagination';
import { badField, notFound, Problem } from './problem';
import { errors, IdParams, Nullable, Page, PageQuery, Uuid, WebhookFilterSchema, WebhookSchema } from './schemas';
import {
  createWebhook, DEFAULT_OVERLAP_S, deleteWebhook, getWebhook, listWebhooks, rotateSecret, sendTest, updateWebhook,
} from './webhooks.service';

const Url = Type.String({ minLength: 8, maxLength: 2000, description: 'https URL that receives signed slot events (Standard Webhooks).' });
const WebhookBody = Type.Object({ url: Url, filter: Type.Optional(WebhookFilterSchema) }, { additionalProperties: false });
const WebhookPatch = Type.Object({ url: Type.Optional(Url), filter: Type.Optional(WebhookFilterSchema) }, { additionalProperties: false, minProperties: 1 });
const RotateBody = Type.Object(
  { overlapSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 86_400, default: DEFAULT_OVERLAP_S, description: 'How long the old secret keeps signing (default 24 h).' })) },
  { additionalProperties: false },
);
const ReplayBody = Type.Object(
  { since: Type.String({ format: 'date-time', description: 'Replay deliveries of events at or after this time (at most 30 days back).' }) },
  { additionalProperties: false },
);
const DeliveryParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$', description: 'Delivery id.' }) }, { additionalProperties: false });
const DeliveryStatus = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('cancelled')]);
const DeliverySchema = Type.Object({
  id: Type.String(),
  eventId: Uuid(),
  status: DeliveryStatus,
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Type.String({ format: 'date-time' })),
  lastStatus: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  deliveredAt: Nullable(Type.String({ format: 'date-time' })),
  createdAt: Type.String({ format: 'date-time' }),
  eventAt: Nullable(Type.String({ format: 'date-time' })),
  attemptLog: Type.Array(Type.Object({
    at: Type.String({ format: 'date-time' }), outcome: Type.String(), status: Nullable(Type.Integer()), durationMs: Type.Integer(), error: Nullable(Type.String()),
  }), { description: 'The newest attempts (up to 20), oldest first.' }),
});
const ReplaySchema = Type.Object({
  replayed: Type.Integer({ description: 'Deliveries set back to pending, due now.' }),
  inFlight: Type.Integer({ description: 'Matching deliveries being sent right now (left alone).' }),
});
const REPLAY_MAX_AGE_MS = 30 * 86_400_000;

export async function webhookRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  let channel: WebhookChannel | undefined;
  const testChannel = () => (channel ??= createWebhookChannel({ allowPrivate: deps.webhookAllowPrivate, timeoutMs: 10_000, userAgent: 'slotwatch-webhooks/0.1 (test)' }));
  app.addHook('onClose', async () => channel?.close());

  typed.post('/v1/webhooks', {
    schema: {
      summary: 'Register a webhook (the secret is shown only in this answer)', tags: ['webhooks'], body: WebhookBody,
      response: { 201: Type.Object({ ...WebhookSchema.properties, secret: Type.String({ description: 'whsec_… signing secret; stored sealed, never shown again.' }) }), ...errors(400, 401, 409) },
    },
    preHandler: anyKey,
  }, async (request, reply) => {
    const created = await createWebhook(deps.db, deps.secrets, request.body, callerOf(request).keyId, deps.webhookAllowPrivate);
    return reply.status(201).header('location', `/v1/webhooks/${created.id}`).header('cache-control', 'no-store').send(created);
  });

  typed.get('/v1/webhooks', {
    schema: { summary: "List webhooks (an integrator sees only its own)", tags: ['webhooks'], querystring: PageQuery(Uuid('The `next` of the previous page.')), response: { 200: Page(WebhookSchema), ...errors(400, 401) } },
    preHandler: anyKey,
  }, async (request) => {
    const limit = request.query.limit ?? 100;
    return toPage(await listWebhooks(deps.db, callerOf(request), { after: request.query.after, limit: limit + 1 }), limit, (w) => w.id);
  });

  typed.get('/v1/webhooks/:id', {
    schema: { summary: 'One webhook', tags: ['webhooks'], params: IdParams, response: { 200: WebhookSchema, ...errors(400, 401, 404) } },
    preHandler: anyKey,
  }, async (request) => getWebhook(deps.db, callerOf(request), request.params.id));

  typed.patch('/v1/webhooks/:id', {
    schema: { summary: "Change a webhook's URL or filter", tags: ['webhooks'], params: IdParams, body: WebhookPatch, response: { 200: WebhookSchema, ...errors(400, 401, 404) } },
    preHandler: anyKey,
  }, async (request) => updateWebhook(deps.db, callerOf(request), request.params.id, request.body, deps.webhookAllowPrivate));

  typed.delete('/v1/webhooks/:id', {
    schema: { summary: 'Delete a webhook (no more deliveries)', tags: ['webhooks'], params: IdParams, response: { 204: Type.Null(), ...errors(400, 401, 404) } },
    preHandler: anyKey,
  }, async (request, reply) => {
    await deleteWebhook(deps.db, callerOf(request), request.params.id);
    return reply.status(204).send(null);
  });

  typed.post('/v1/webhooks/:id/rotate-secret', {
    schema: {
      summary: 'Rotate the signing secret; the old one keeps signing for overlapSeconds', tags: ['webhooks'], params: IdParams, body: RotateBody,
      response: { 200: Type.Object({ secret: Type.String(), previousSecretExpiresAt: Nullable(Type.String({ format: 'date-time' })) }), ...errors(400, 401, 404) },
    },
    // The body is optional: no body means the defaults.
    preValidation: async (request) => {
      request.body ??= {};
    },
    preHandler: anyKey,
  }, async (request, reply) => {
    const overlap = request.body.overlapSeconds ?? DEFAULT_OVERLAP_S;
    return reply.header('cache-control', 'no-store').send(await rotateSecret(deps.db, deps.secrets, callerOf(request), request.params.id, overlap));
  });

  typed.post('/v1/webhooks/:id/test', {
    schema: {
      summary: 'Send a signed webhook.test event now and report the answer', tags: ['webhooks'], params: IdParams,
      response: {
        200: Type.Object({
          outcome: Type.Union([Type.Literal('delivered'), Type.Literal('retry'), Type.Literal('failed'), Type.Literal('disable')]),
          delivered: Type.Boolean(), status: Nullable(Type.Integer()), durationMs: Type.Integer(), error: Nullable(Type.String()),
          response: Nullable(Type.String({ description: "The first 1000 characters of the receiver's answer." })), msgId: Type.String(),
        }),
        ...errors(400, 401, 404),
      },
    },
    preHandler: anyKey,
    config: { rateLimit: { max: 10, timeWindow: 60_000 } },
  }, async (request) => sendTest(deps.db, deps.secrets, testChannel(), callerOf(request), request.params.id));

  typed.get('/v1/webhooks/:id/deliveries', {
    schema: {
      summary: 'Delivery log of a webhook, newest first, with attempts', tags: ['webhooks'], params: IdParams,
      querystring: PageQuery(Type.String({ pattern: '^[0-9]{1,18}$', description: 'The `next` of the previous page.' }), { status: Type.Optional(DeliveryStatus) }),
      response: { 200: Page(DeliverySchema), ...errors(400, 401, 404) },
    },
    preHandler: anyKey,
  }, async (request) => {
    await getWebhook(deps.db, callerOf(request), request.params.id);
    const limit = request.query.limit ?? 100;
    const rows = await listDeliveries(deps.db, request.params.id, { after: request.query.after, status: request.query.status, limit: limit + 1 });
    return toPage(rows, limit, (d) => d.id);
  });

  typed.post('/v1/webhooks/:id/replay', {
    schema: { summary: 'Send again every delivery of events since a time', tags: ['webhooks'], params: IdParams, body: ReplayBody, response: { 202: ReplaySchema, ...errors(400, 401, 404, 409) } },
    preHandler: anyKey,
  }, async (request, reply) => {
    const hook = await getWebhook(deps.db, callerOf(request), request.params.id);
    if (hook.disabledAt) throw new Problem(409, 'Conflict', `webhook ${hook.id} is disabled (${hook.disabledReason ?? 'by the notifier'}); register the endpoint again to receive events`);
    const since = new Date(request.body.since);
    if (Number.isNaN(since.getTime())) throw badField('body.since', 'body.since is not a date-time');
    if (since.getTime() < Date.now() - REPLAY_MAX_AGE_MS) throw badField('body.since', 'body.since is more than 30 days ago; events older than that are no longer kept');
    return reply.status(202).send(await replayDeliveries(deps.db, { webhookId: hook.id, since }));
  });

  typed.post('/v1/deliveries/:id/replay', {
    schema: { summary: 'Send one delivery again', tags: ['webhooks'], params: DeliveryParams, response: { 202: ReplaySchema, ...errors(400, 401, 404, 409) } },
    preHandler: anyKey,
  }, async (request, reply) => {
    const webhookId = await webhookOfDelivery(deps.db, request.params.id);
    if (!webhookId) throw notFound(`delivery ${request.params.id}`);
    const hook = await getWebhook(deps.db, callerOf(request), webhookId).catch(() => {
      throw notFound(`delivery ${request.params.id}`);
    });
    if (hook.disabledAt) throw new Problem(409, 'Conflict', `webhook ${hook.id} is disabled (${hook.disabledReason ?? 'by the notifier'})`);
    const result = await replayDeliveries(deps.db, { deliveryId: request.params.id });
    if (result.inFlight > 0) throw new Problem(409, 'Conflict', `delivery ${request.params.id} is being sent right now; look at its attempts in a moment`);
    return reply.status(202).send(result);
  });
}
