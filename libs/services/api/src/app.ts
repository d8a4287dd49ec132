import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import ajvFormats from 'ajv-formats';
import type { Db, SecretBox } from '@slotwatch/db';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { problemHandler, Problem } from './problem';
import { healthRoutes } from './health.routes';
import { watchRoutes } from './watches.routes';
import { webhookRoutes } from './webhooks.routes';

export interface AppDeps {
  db: Db;
  secrets: SecretBox;
  registry: Registry;
  log: Logger;
  isReady: () => boolean;
  webhookAllowPrivate: boolean;
  /** SLOTWATCH_MIN_INTERVAL_S (fakes only). */
  minIntervalOverride?: number;
}

/** The Fastify app, without listening (tests use `inject`). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    requestTimeout: 15_000,
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array' }, plugins: [ajvFormats as never] },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler(problemHandler);
  app.setNotFoundHandler((request) => {
    throw new Problem(404, 'Not Found', `no route ${request.method} ${request.url.split('?')[0]}`);
  });
  await app.register(healthRoutes, deps);
  await app.register(watchRoutes, deps);
  await app.register(webhookRoutes, deps);
  return app;
}
