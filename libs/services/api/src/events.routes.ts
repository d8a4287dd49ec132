import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppDeps } from './app';
import { anyKey } from './auth';
import { listEvents } from './events.repository';
import { toPage } from './pagination';
import { errors, EventSchema, Page, PageQuery, Uuid } from './schemas';

const EventsQuery = PageQuery(Type.String({ pattern: '^[0-9]{1,15}$', description: 'Event seq: answers events after it (the `next` of the previous page).' }), {
  watchId: Type.Optional(Uuid('Only events of this watch.')),
  type: Type.Optional(Type.Union([Type.Literal('slot.opened'), Type.Literal('slot.closed')])),
});

export async function eventRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.get('/v1/events', {
    schema: {
      summary: 'The slot event log, oldest first; poll with after=<last seq>', tags: ['events'], querystring: EventsQuery,
      response: { 200: Page(EventSchema), ...errors(400, 401) },
    },
    preHandler: anyKey,
  }, async (request) => {
    const { after, limit = 100, watchId, type } = request.query;
    const rows = await listEvents(deps.db, { after: after === undefined ? undefined : Number(after), limit: limit + 1, watchId, type }, request.caller);
    return toPage(rows, limit, (e) => String(e.seq));
  });
}
