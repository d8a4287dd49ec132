import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { providers } from '@slotwatch/providers';
import Type from 'typebox';
import { anyKey } from './auth';
import { toPage } from './pagination';
import { errors, Page, PageQuery } from './schemas';

const ProviderSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  minIntervalSeconds: Type.Integer({ description: 'The shortest interval a watch of this provider may have.' }),
  defaultVisibility: Type.Union([Type.Literal('public'), Type.Literal('private')]),
  targetSchema: Type.Record(Type.String(), Type.Unknown(), { description: "JSON Schema of a watch's `target`." }),
});

/** Plain JSON of a TypeBox schema (drops TypeBox's symbol keys). */
const plain = (schema: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;

export async function providerRoutes(app: FastifyInstance): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const all = Object.values(providers)
    .map((p) => ({ id: p.id, title: p.title, minIntervalSeconds: p.minIntervalSeconds, defaultVisibility: p.defaultVisibility, targetSchema: plain(p.targetSchema) }))
    .sort((a, b) => a.id.localeCompare(b.id));

  typed.get('/v1/providers', {
    schema: { summary: 'Providers and the target schema of their watches', tags: ['providers'], querystring: PageQuery(Type.String({ maxLength: 40 })), response: { 200: Page(ProviderSchema), ...errors(400, 401) } },
    preHandler: anyKey,
  }, async (request) => {
    const limit = request.query.limit ?? 100;
    const after = request.query.after;
    return toPage(all.filter((p) => after === undefined || p.id > after), limit, (p) => p.id);
  });
}
