import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { EventView } from './events.repository';
import { Problem } from './problem';
import { listPublicWatches, type PublicWatch } from './public.repository';
import { errors, Uuid } from './schemas';
import type { HubMessage, StreamHub } from './stream.hub';

/** Open streams one address may hold; beyond that a 429 (OWASP API4). */
const STREAMS_PER_IP = 20;
const KEEPALIVE_MS = 15_000;

const frame = (event: string, data: unknown, id?: number): string =>
  `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** The slot event as the public stream carries it. */
export function publicEvent(e: EventView): Record<string, unknown> {
  const data = e.data as { slot?: unknown; observedAt?: unknown; watch?: { name?: unknown } };
  return { seq: e.seq, id: e.id, type: e.type, watchId: e.watchId, watchName: data.watch?.name ?? null, at: e.at, slot: data.slot ?? null, observedAt: data.observedAt ?? null };
}

const snapshotOf = (watches: PublicWatch[]) => ({ at: new Date().toISOString(), watches });

/**
 * GET /v1/stream — Server-Sent Events for the public: on connect a `snapshot` (every public watch
 * with its state and open slots), then each `slot.opened` / `slot.closed` of a public watch as it
 * is committed (`id:` = event seq), and a fresh `snapshot` every 15 s (health, data age).
 * A reconnecting client gets a fresh snapshot, so it needs no replay.
 */
export async function streamRoutes(app: FastifyInstance, deps: { db: import('@slotwatch/db').Db; hub: StreamHub }): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const open = new Set<ServerResponse>();
  const perIp = new Map<string, number>();
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  typed.get('/v1/stream', {
    schema: {
      summary: 'Live public slot events (text/event-stream)', tags: ['public'],
      description: 'Events: `snapshot` {at, watches} on connect and every 15 s; `slot.opened` / `slot.closed` {seq, type, watchId, watchName, at, slot, observedAt}. Public watches only.',
      querystring: Type.Object({ watchId: Type.Optional(Uuid('Only this public watch.')) }, { additionalProperties: false }),
      response: { 200: Type.String({ description: 'text/event-stream' }), ...errors(400, 429) },
    },
  }, async (request, reply) => {
    const ip = request.ip;
    if ((perIp.get(ip) ?? 0) >= STREAMS_PER_IP) {
      throw new Problem(429, 'Too Many Requests', `this address already holds ${STREAMS_PER_IP} open streams; close one first`);
    }
    const only = request.query.watchId;
    const buffered: HubMessage[] = [];
    let ready = false;
    const res = reply.raw;
    const send = (message: HubMessage): void => {
      if (!ready) {
        buffered.push(message);
        return;
      }
      if (message.type === 'event') {
        if (!only || message.event.watchId === only) res.write(frame(message.event.type, publicEvent(message.event), message.event.seq));
      } else {
        res.write(frame('snapshot', snapshotOf(only ? message.watches.filter((w) => w.id === only) : message.watches)));
      }
    };
    // Subscribe first, then read the snapshot: an event committed in between is sent after it.
    const unsubscribe = await deps.hub.subscribe(send);
    let watches: PublicWatch[];
    try {
      watches = await listPublicWatches(deps.db, only);
    } catch (error) {
      unsubscribe();
      throw error;
    }

    reply.hijack();
    perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
    open.add(res);
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 3000\n${frame('snapshot', snapshotOf(watches))}`);
    ready = true;
    for (const message of buffered.splice(0)) send(message);
    const keepalive = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);

    const done = (): void => {
      if (!open.delete(res)) return;
      clearInterval(keepalive);
      unsubscribe();
      const n = (perIp.get(ip) ?? 1) - 1;
      if (n > 0) perIp.set(ip, n);
      else perIp.delete(ip);
    };
    request.raw.on('close', done);
    res.on('close', done);
    res.on('error', done);
  });
}
