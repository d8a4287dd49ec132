import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppDeps } from './app';
import { adminOnly, anyKey } from './auth';
import { decodeCursor, encodeCursor, toPage } from './pagination';
import { notFound } from './problem';
import { errors, IdParams, Page, PageQuery, SlotSchema, Uuid, WatchSchema } from './schemas';
import { deleteWatch, getWatch, listOpenSlots, listWatches } from './watches.repository';
import { changeWatch, createWatch } from './watches.service';

const Visibility = Type.Union([Type.Literal('public'), Type.Literal('private')], {
  description: 'public: on the status page, feeds and public channels; private: only the owner\'s webhooks.',
});
const WatchBody = Type.Object(
  {
    provider: Type.String({ minLength: 1, maxLength: 40, description: 'Provider id, e.g. troov (see GET /v1/providers).' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    intervalSeconds: Type.Integer({ minimum: 1, maximum: 86_400, description: "Seconds between checks; at least the provider's floor." }),
    target: Type.Object({}, { additionalProperties: true, description: "The provider's target (see GET /v1/providers)." }),
    visibility: Type.Optional(Visibility),
  },
  { additionalProperties: false },
);
const WatchPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    intervalSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    active: Type.Optional(Type.Boolean({ description: 'false pauses the checks; true resumes them.' })),
    visibility: Type.Optional(Visibility),
  },
  { additionalProperties: false, minProperties: 1 },
);
const SlotCursor = Type.String({ minLength: 1, maxLength: 400, description: 'The `next` of the previous page.' });

export async function watchRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const options = { minIntervalOverride: deps.minIntervalOverride };

  typed.post('/v1/watches', {
    schema: { summary: 'Create a watch', tags: ['watches'], body: WatchBody, response: { 201: WatchSchema, ...errors(400, 401, 403) } },
    preHandler: adminOnly,
  }, async (request, reply) => {
    const watch = await createWatch(deps.db, request.body, request.caller?.keyId ?? null, options);
    return reply.status(201).header('location', `/v1/watches/${watch.id}`).send(watch);
  });

  typed.get('/v1/watches', {
    schema: { summary: 'List watches with their health', tags: ['watches'], querystring: PageQuery(Uuid('The `next` of the previous page.')), response: { 200: Page(WatchSchema), ...errors(400, 401) } },
    preHandler: anyKey,
  }, async (request) => {
    const limit = request.query.limit ?? 100;
    const rows = await listWatches(deps.db, { after: request.query.after, limit: limit + 1 }, request.caller);
    return toPage(rows, limit, (w) => w.id);
  });

  typed.get('/v1/watches/:id', {
    schema: { summary: 'One watch with its health', tags: ['watches'], params: IdParams, response: { 200: WatchSchema, ...errors(400, 401, 404) } },
    preHandler: anyKey,
  }, async (request) => {
    const watch = await getWatch(deps.db, request.params.id, request.caller);
    if (!watch) throw notFound(`watch ${request.params.id}`);
    return watch;
  });

  typed.patch('/v1/watches/:id', {
    schema: { summary: 'Rename, re-time, pause or resume a watch', tags: ['watches'], params: IdParams, body: WatchPatch, response: { 200: WatchSchema, ...errors(400, 401, 403, 404) } },
    preHandler: adminOnly,
  }, async (request) => {
    const watch = await changeWatch(deps.db, request.params.id, request.body, options);
    if (!watch) throw notFound(`watch ${request.params.id}`);
    return watch;
  });

  typed.delete('/v1/watches/:id', {
    schema: { summary: 'Delete a watch and its slots', tags: ['watches'], params: IdParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404) } },
    preHandler: adminOnly,
  }, async (request, reply) => {
    if (!(await deleteWatch(deps.db, request.params.id))) throw notFound(`watch ${request.params.id}`);
    return reply.status(204).send(null);
  });

  typed.get('/v1/watches/:id/slots', {
    schema: { summary: 'Open slots of a watch, by start time', tags: ['watches'], params: IdParams, querystring: PageQuery(SlotCursor), response: { 200: Page(SlotSchema), ...errors(400, 401, 404) } },
    preHandler: anyKey,
  }, async (request) => {
    if (!(await getWatch(deps.db, request.params.id, request.caller))) throw notFound(`watch ${request.params.id}`);
    const limit = request.query.limit ?? 100;
    const after = request.query.after ? (decodeCursor(request.query.after, ['number', 'string']) as [number, string]) : undefined;
    const rows = await listOpenSlots(deps.db, request.params.id, { after, limit: limit + 1 });
    const page = toPage(rows, limit, (s) => encodeCursor([s.sortAt, s.key]));
    return { items: page.items.map(({ sortAt: _sortAt, ...slot }) => slot), next: page.next };
  });
}
