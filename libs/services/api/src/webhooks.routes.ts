import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from './app';
import { requireKey } from './auth';
import { createWebhook, listWebhooks } from './webhooks.service';

const WebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 8, maxLength: 2000, description: 'https URL that receives signed slot events.' }),
    filter: Type.Optional(
      Type.Object(
        {
          watchIds: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 1000 })),
          providers: Type.Optional(Type.Array(Type.String(), { maxItems: 20 })),
          types: Type.Optional(Type.Array(Type.Union([Type.Literal('slot.opened'), Type.Literal('slot.closed')]))),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export async function webhookRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const anyKey = requireKey(deps.db, ['admin', 'integrator']);
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.post('/v1/webhooks', { schema: { body: WebhookBody }, preHandler: anyKey }, async (request, reply) => {
    const created = await createWebhook(deps.db, deps.secrets, request.body, request.caller?.keyId ?? null, deps.webhookAllowPrivate);
    return reply.status(201).header('location', `/v1/webhooks/${created.id}`).send(created);
  });
  typed.get('/v1/webhooks', { preHandler: anyKey }, async (request) => ({ items: await listWebhooks(deps.db, request.caller!) }));
}
