import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@slotwatch/testing';
import { bearer, insertWatchRow, startApiFixture, walkPages, writeSlotEvent, type ApiFixture } from './testing';

let f: ApiFixture;
let publicId: string;
let privateId: string;
let ownPrivateId: string;
const seqs: number[] = [];

beforeAll(async () => {
  f = await startApiFixture('api_public');
  publicId = await insertWatchRow(f.db, { name: 'Montréal passport' });
  privateId = await insertWatchRow(f.db, { name: 'Secret private watch', visibility: 'private', owner: f.otherId });
  ownPrivateId = await insertWatchRow(f.db, { name: 'My private watch', visibility: 'private', owner: f.integratorId });
  for (const [id, kind, day] of [
    [publicId, 'slot.opened', '24'], [privateId, 'slot.opened', '24'], [publicId, 'slot.opened', '25'], [ownPrivateId, 'slot.opened', '26'], [publicId, 'slot.closed', '25'],
  ] as const) {
    seqs.push((await writeSlotEvent(f.db, id, kind, { key: `2026-11-${day}T09:15`, startsAt: `2026-11-${day}T09:15:00-05:00` })).seq);
  }
  await f.db`INSERT INTO twitter_accounts (id, name, watch_ids, tokens_sealed) VALUES (gen_random_uuid(), '@slotwatch_mtl', ${f.db.array([publicId])}::uuid[], 'sealed')`;
});
afterAll(async () => f?.close());

interface Problem { status: number; errors?: { field: string }[] }
interface Event { seq: number; type: string; watchId: string }

describe('GET /v1/events', () => {
  it('pages through the log in seq order with after=<seq>', async () => {
    const walked = await walkPages<Event>(f.app, '/v1/events?limit=2', bearer(f.adminKey));
    expect(walked.items.map((e) => e.seq)).toEqual(seqs);
    const after = (await f.app.inject({ url: `/v1/events?after=${seqs[2]}`, headers: bearer(f.adminKey) })).json<{ items: Event[] }>();
    expect(after.items.map((e) => e.seq)).toEqual(seqs.slice(3));
  });

  it('filters by watch and type', async () => {
    const res = await f.app.inject({ url: `/v1/events?watchId=${publicId}&type=slot.opened`, headers: bearer(f.adminKey) });
    expect(res.json<{ items: Event[] }>().items.map((e) => e.seq)).toEqual([seqs[0], seqs[2]]);
  });

  it("shows an integrator public events and its own private ones, never another's", async () => {
    const items = (await f.app.inject({ url: '/v1/events', headers: bearer(f.integratorKey) })).json<{ items: Event[] }>().items;
    expect(items.map((e) => e.watchId)).toContain(ownPrivateId);
    expect(items.map((e) => e.watchId)).not.toContain(privateId);
  });

  it('names bad query fields and needs a key', async () => {
    const res = await f.app.inject({ url: '/v1/events?after=-1&type=slot.moved&watchId=x&limit=501', headers: bearer(f.adminKey) });
    expect(res.statusCode).toBe(400);
    expect(res.json<Problem>().errors!.map((e) => e.field)).toEqual(expect.arrayContaining(['query.after', 'query.type', 'query.watchId', 'query.limit']));
    expect((await f.app.inject({ url: '/v1/events' })).statusCode).toBe(401);
  });
});

describe('the status page', () => {
  it('shows public watches with state, slots in their zone, data age, source health and ways to follow', async () => {
    const res = await f.app.inject({ url: '/?lang=en' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    const html = res.body;
    expect(html).toContain('Montréal passport');
    expect(html).toContain('Slots open');
    expect(html).toContain('Tue, 24 Nov 2026, 09:15');
    expect(html).not.toContain('Wed, 25 Nov 2026'); // closed again
    expect(html).toMatch(/checked \d+ s ago/);
    expect(html).toContain('source answering');
    expect(html).toContain('https://x.com/slotwatch_mtl');
    expect(html).toContain(`/feeds/watches/${publicId}.atom`);
    expect(html).toContain('action="/v1/subscriptions"');
    expect(html).not.toContain('Secret private watch');
    expect(html).not.toContain('My private watch');
  });

  it('speaks French by Accept-Language or ?lang=fr', async () => {
    const byHeader = await f.app.inject({ url: '/', headers: { 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5' } });
    expect(byHeader.body).toContain('<html lang="fr">');
    expect(byHeader.body).toContain('Créneaux ouverts');
    expect(byHeader.body).toContain('mar. 24 nov. 2026, 09:15');
    expect((await f.app.inject({ url: '/?lang=fr', headers: { 'accept-language': 'en' } })).body).toContain('vérifié il y a');
    expect((await f.app.inject({ url: '/', headers: { 'accept-language': 'de-DE' } })).body).toContain('<html lang="en">');
    expect((await f.app.inject({ url: '/?lang=de' })).statusCode).toBe(400);
  });

  it('serves its script and stylesheet', async () => {
    expect((await f.app.inject({ url: '/assets/status.js' })).headers['content-type']).toContain('javascript');
    expect((await f.app.inject({ url: '/assets/status.css' })).headers['content-type']).toContain('text/css');
  });
});

describe('Atom feeds', () => {
  it('has every public event and none of a private watch', async () => {
    const res = await f.app.inject({ url: '/feeds/all.atom' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/atom+xml');
    expect(res.body).toContain('<feed xmlns="http://www.w3.org/2005/Atom"');
    expect(res.body.match(/<entry>/g)).toHaveLength(3);
    expect(res.body).toContain('Slot open: Montréal passport — Tue, 24 Nov 2026, 09:15');
    expect(res.body).toContain('<link rel="self" type="application/atom+xml" href="https://slots.example.org/feeds/all.atom"/>');
    expect(res.body).not.toContain('Secret private watch');
  });

  it('has a feed per public watch and answers 404 for a private one', async () => {
    const one = await f.app.inject({ url: `/feeds/watches/${publicId}.atom?lang=fr` });
    expect(one.statusCode).toBe(200);
    expect(one.body).toContain('Créneau pris');
    expect((await f.app.inject({ url: `/feeds/watches/${privateId}.atom` })).statusCode).toBe(404);
    expect((await f.app.inject({ url: '/feeds/watches/nope.atom' })).statusCode).toBe(400);
  });
});

describe('GET /v1/stream', () => {
  let live: FastifyInstance;
  let base: string;
  beforeAll(async () => {
    live = await f.extraApp({});
    base = await live.listen({ host: '127.0.0.1', port: 0 });
  });

  it('sends the open slots on connect, then each public event as it commits, and nothing private', async () => {
    const abort = new AbortController();
    const res = await fetch(`${base}/v1/stream`, { signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        text += new TextDecoder().decode(value);
      }
    })();
    try {
      await waitFor('the snapshot', () => text.includes('event: snapshot'), 5000);
      const snapshot = JSON.parse(/event: snapshot\ndata: (.*)\n/.exec(text)![1]!) as { watches: { id: string; openSlots: { key: string }[] }[] };
      expect(snapshot.watches.map((w) => w.id)).toEqual([publicId]);
      expect(snapshot.watches[0]!.openSlots.map((s) => s.key)).toEqual(['2026-11-24T09:15']);

      await writeSlotEvent(f.db, privateId, 'slot.opened', { key: '2026-12-01T10:00', startsAt: '2026-12-01T10:00:00-05:00' });
      const { seq } = await writeSlotEvent(f.db, publicId, 'slot.opened', { key: '2026-12-02T10:00', startsAt: '2026-12-02T10:00:00-05:00' });
      await waitFor('the public event', () => text.includes(`id: ${seq}\nevent: slot.opened`), 5000);
      const data = JSON.parse(new RegExp(`id: ${seq}\\nevent: slot.opened\\ndata: (.*)\\n`).exec(text)![1]!) as { watchId: string; slot: { key: string } };
      expect(data).toMatchObject({ watchId: publicId, slot: { key: '2026-12-02T10:00' } });
      expect(text).not.toContain('2026-12-01T10:00');
    } finally {
      abort.abort();
      await pump;
    }
  });

  it('refuses a bad watchId', async () => {
    expect((await live.inject({ url: '/v1/stream?watchId=nope' })).statusCode).toBe(400);
  });

  it('ends open streams when the app closes instead of holding the shutdown', async () => {
    const closing = await f.extraApp({});
    const url = await closing.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${url}/v1/stream?watchId=${publicId}`);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('event: snapshot');
    await closing.close();
    for (;;) {
      const { done } = await reader.read().catch(() => ({ done: true }));
      if (done) break;
    }
  });
});
