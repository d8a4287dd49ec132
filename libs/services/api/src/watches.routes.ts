import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { AppDeps } from './app';
import { requireKey } from './auth';
import { notFound } from './problem';
import { deleteWatch, getWatch, listOpenSlots, listWatches } from './watches.repository';
import { createWatch } from './watches.service';

const WatchBody = Type.Object(
  {
    provider: Type.String({ minLength: 1, description: 'Provider id, e.g. troov.' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    intervalSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
    target: Type.Object({}, { additionalProperties: true, description: "The provider's target (see GET /v1/providers)." }),
    visibility: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('private')])),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const Page = Type.Object({ after: Type.Optional(Type.String({ format: 'uuid' })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) });

export async function watchRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const admin = requireKey(deps.db, ['admin']);
  const anyKey = requireKey(deps.db, ['admin', 'integrator']);
  const typed = app.withTypeProvider<import('@fastify/type-provider-typebox').TypeBoxTypeProvider>();

  typed.post('/v1/watches', { schema: { body: WatchBody }, preHandler: admin }, async (request, reply) => {
    const watch = await createWatch(deps.db, request.body, request.caller?.keyId ?? null, { minIntervalOverride: deps.minIntervalOverride });
    return reply.status(201).header('location', `/v1/watches/${watch.id}`).send(watch);
  });
  typed.get('/v1/watches', { schema: { querystring: Page }, preHandler: anyKey }, async (request) => {
    const limit = request.query.limit ?? 100;
    const items = await listWatches(deps.db, { after: request.query.after, limit });
    return { items, next: items.length === limit ? items.at(-1)?.id : null };
  });
  typed.get('/v1/watches/:id', { schema: { params: IdParams }, preHandler: anyKey }, async (request) => {
    const watch = await getWatch(deps.db, request.params.id);
    if (!watch) throw notFound(`watch ${request.params.id}`);
    return watch;
  });
  typed.get('/v1/watches/:id/slots', { schema: { params: IdParams }, preHandler: anyKey }, async (request) => {
    if (!(await getWatch(deps.db, request.params.id))) throw notFound(`watch ${request.params.id}`);
    return { items: await listOpenSlots(deps.db, request.params.id) };
  });
  typed.delete('/v1/watches/:id', { schema: { params: IdParams }, preHandler: admin }, async (request, reply) => {
    if (!(await deleteWatch(deps.db, request.params.id))) throw notFound(`watch ${request.params.id}`);
    return reply.status(204).send();
  });
}
