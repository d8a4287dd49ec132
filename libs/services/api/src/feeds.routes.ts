import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Db } from '@slotwatch/db';
import { latestPublicEvents, type EventView } from './events.repository';
import { notFound } from './problem';
import { listPublicWatches } from './public.repository';
import { errors, Uuid } from './schemas';
import { escapeHtml as x, pickLang, slotTime, texts, type Lang } from './status.i18n';

const ENTRIES = 50;
const LangQuery = Type.Object({ lang: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('fr')])) }, { additionalProperties: false });

function entry(e: EventView, base: string, lang: Lang): string {
  const t = texts[lang];
  const slot = (e.data.slot ?? {}) as { startsAt?: string };
  const watchName = ((e.data.watch ?? {}) as { name?: string }).name ?? e.watchId;
  const when = slot.startsAt ? slotTime(slot.startsAt, lang) : '';
  const title = `${e.type === 'slot.opened' ? t.opened : t.closed}: ${watchName} — ${when}`;
  return `  <entry>
    <id>urn:uuid:${e.id}</id>
    <title>${x(title)}</title>
    <updated>${e.at}</updated>
    <link rel="alternate" href="${x(`${base}/#watch-${e.watchId}`)}"/>
    <category term="${e.type}"/>
    <content type="text">${x(`${title} (${slot.startsAt ?? ''})`)}</content>
  </entry>`;
}

function feed(o: { id: string; title: string; self: string; base: string; events: EventView[]; lang: Lang }): string {
  const updated = o.events[0]?.at ?? new Date(0).toISOString();
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${o.lang}">
  <id>${x(o.id)}</id>
  <title>${x(o.title)}</title>
  <updated>${updated}</updated>
  <link rel="self" type="application/atom+xml" href="${x(o.self)}"/>
  <link rel="alternate" type="text/html" href="${x(`${o.base}/`)}"/>
  <author><name>slotwatch</name></author>
${o.events.map((e) => entry(e, o.base, o.lang)).join('\n')}
</feed>
`;
}

/** Atom feeds of public slot events: every public watch, and one per public watch (private ones are 404). */
export async function feedRoutes(app: FastifyInstance, deps: { db: Db; publicUrl: string }): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const base = deps.publicUrl.replace(/\/+$/, '');
  const atom = 'application/atom+xml; charset=utf-8';

  typed.get('/feeds/all.atom', {
    schema: { summary: 'Atom feed of every public watch', tags: ['public'], querystring: LangQuery, response: { 200: Type.String({ description: 'application/atom+xml' }), ...errors(400) } },
  }, async (request, reply) => {
    const lang = pickLang(request.query.lang, request.headers['accept-language']);
    const events = await latestPublicEvents(deps.db, ENTRIES);
    return reply.type(atom).header('cache-control', 'public, max-age=30')
      .send(feed({ id: `${base}/feeds/all.atom`, title: texts[lang].feedTitleAll, self: `${base}/feeds/all.atom`, base, events, lang }));
  });

  typed.get('/feeds/watches/:id.atom', {
    schema: {
      summary: 'Atom feed of one public watch', tags: ['public'], params: Type.Object({ id: Uuid() }, { additionalProperties: false }), querystring: LangQuery,
      response: { 200: Type.String({ description: 'application/atom+xml' }), ...errors(400, 404) },
    },
  }, async (request, reply) => {
    const lang = pickLang(request.query.lang, request.headers['accept-language']);
    const [watch] = await listPublicWatches(deps.db, request.params.id);
    if (!watch) throw notFound(`public watch ${request.params.id}`);
    const events = await latestPublicEvents(deps.db, ENTRIES, watch.id);
    const self = `${base}/feeds/watches/${watch.id}.atom`;
    return reply.type(atom).header('cache-control', 'public, max-age=30')
      .send(feed({ id: self, title: texts[lang].feedTitleOne(watch.name), self, base, events, lang }));
  });
}
