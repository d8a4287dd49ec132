import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { adminOnly } from './auth';
import { createApiKey, listApiKeys, revokeApiKey } from './keys.repository';
import { toPage } from './pagination';
import { notFound } from './problem';
import { errors, IdParams, Nullable, Page, PageQuery, Uuid } from './schemas';

const RoleSchema = Type.Union([Type.Literal('admin'), Type.Literal('integrator')], {
  description: 'admin: everything; integrator: reads watches and events, manages its own webhooks.',
});
const KeyBody = Type.Object({ role: RoleSchema, name: Type.String({ minLength: 1, maxLength: 200, description: 'What the key is for.' }) }, { additionalProperties: false });
const KeySchema = Type.Object({
  id: Uuid(),
  name: Type.String(),
  role: RoleSchema,
  prefix: Type.String({ description: 'The first characters of the key, to recognise it.' }),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Nullable(Type.String({ format: 'date-time' })),
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
});

export async function keyRoutes(app: FastifyInstance, deps: { db: import('@slotwatch/db').Db }): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.post('/v1/api-keys', {
    schema: {
      summary: 'Create an API key (the key is shown only in this answer)', tags: ['api-keys'], body: KeyBody,
      response: { 201: Type.Object({ id: Uuid(), key: Type.String({ description: 'The bearer key. Stored only as its SHA-256 hash: keep it now.' }) }), ...errors(400, 401, 403) },
    },
    preHandler: adminOnly,
  }, async (request, reply) => {
    const created = await createApiKey(deps.db, request.body);
    return reply.status(201).header('location', `/v1/api-keys/${created.id}`).header('cache-control', 'no-store').send(created);
  });

  typed.get('/v1/api-keys', {
    schema: { summary: 'List API keys (never the keys themselves)', tags: ['api-keys'], querystring: PageQuery(Uuid('The `next` of the previous page.')), response: { 200: Page(KeySchema), ...errors(400, 401, 403) } },
    preHandler: adminOnly,
  }, async (request) => {
    const limit = request.query.limit ?? 100;
    return toPage(await listApiKeys(deps.db, { after: request.query.after, limit: limit + 1 }), limit, (k) => k.id);
  });

  typed.delete('/v1/api-keys/:id', {
    schema: { summary: 'Revoke an API key at once', tags: ['api-keys'], params: IdParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404) } },
    preHandler: adminOnly,
  }, async (request, reply) => {
    if (!(await revokeApiKey(deps.db, request.params.id))) throw notFound(`live API key ${request.params.id}`);
    return reply.status(204).send(null);
  });
}
