import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Db } from '@slotwatch/db';
import { listPublicWatches } from './public.repository';
import { errors } from './schemas';
import { statusCss, statusJs } from './status.assets';
import { pickLang } from './status.i18n';
import { statusPage } from './status.page';

const PageQuery = Type.Object({ lang: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('fr')])) }, { additionalProperties: false });

/** The public status page at `/` (server-rendered, no build step) and its two static assets. */
export async function statusRoutes(app: FastifyInstance, deps: { db: Db }): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.get('/', {
    schema: { summary: 'The public status page (HTML, fr/en)', tags: ['public'], querystring: PageQuery, response: { 200: Type.String({ description: 'text/html' }), ...errors(400) } },
  }, async (request, reply) => {
    const lang = pickLang(request.query.lang, request.headers['accept-language']);
    const watches = await listPublicWatches(deps.db);
    return reply.type('text/html; charset=utf-8').header('vary', 'accept-language').header('cache-control', 'no-cache').send(statusPage(watches, lang));
  });
  app.get('/assets/status.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(statusJs));
  app.get('/assets/status.css', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(statusCss));
}
