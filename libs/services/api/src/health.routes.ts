import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './app';

/** Probes and metrics: no rate limit (orchestrators and Prometheus call them often), hidden from the API docs. */
export async function healthRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const config = { rateLimit: false as const };
  const schema = { hide: true };
  app.get('/healthz', { config, schema }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config, schema }, async (_request, reply) => {
    const ready = deps.isReady();
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
  app.get('/metrics', { config, schema }, async (_request, reply) => reply.type(deps.registry.contentType).send(await deps.registry.metrics()));
}
