import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import ajvFormats from 'ajv-formats';
import type { Db, SecretBox } from '@slotwatch/db';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { adminOnly, anyKey, resolveCaller } from './auth';
import { credentialRoutes } from './credentials.routes';
import { docsRoutes } from './docs.routes';
import { eventRoutes } from './events.routes';
import { feedRoutes } from './feeds.routes';
import { healthRoutes } from './health.routes';
import { rejectUnstorableText } from './input.guard';
import { keyRoutes } from './keys.routes';
import { problemHandler, Problem } from './problem';
import { providerRoutes } from './providers.routes';
import { statusRoutes } from './status.routes';
import { createStreamHub } from './stream.hub';
import { streamRoutes } from './stream.routes';
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
  /** SLOTWATCH_PUBLIC_URL: the base of links in feeds. */
  publicUrl?: string;
  /**
   * Requests per window: per API key for authenticated calls, per client address otherwise.
   * Defaults a minute: 1000 per integrator key (research §7: @fastify/rate-limit's default),
   * 10 000 per admin key (operators' scripts and the CLI poll), 300 per address.
   * Behind a reverse proxy every anonymous client shares the proxy's address (trustProxy is off).
   */
  rateLimit?: { perKey?: number; perAdminKey?: number; perIp?: number; timeWindowMs?: number };
}

const BODY_LIMIT = 64 * 1024;

/** The Fastify app, without listening (tests use `inject`). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    // Fastify's default is no limit at all; a slow client may not hold a socket for ever.
    requestTimeout: 15_000,
    // allErrors names every bad field at once; the body limit and the maxItems/maxLength caps on
    // every schema bound the work it does (research §7 warns of allErrors on unbounded input).
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array' }, plugins: [ajvFormats as never] },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler(problemHandler);
  app.setNotFoundHandler((request) => {
    throw new Problem(404, 'Not Found', `no route ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}`);
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'connect-src': ["'self'"],
        'form-action': ["'self'"],
        // The page may be served over plain http (local runs); nothing is mixed content.
        'upgrade-insecure-requests': null,
      },
    },
  });
  // Resolves the key before the rate limiter counts (per key) and before routes check roles.
  app.addHook('onRequest', resolveCaller(deps.db));
  app.addHook('preValidation', rejectUnstorableText);
  const limits = { perKey: 1000, perAdminKey: 10_000, perIp: 300, timeWindowMs: 60_000, ...deps.rateLimit };
  await app.register(rateLimit, {
    timeWindow: limits.timeWindowMs,
    keyGenerator: (request) => (request.caller ? `key:${request.caller.keyId}` : `ip:${request.ip}`),
    max: (request, key) => (!key.startsWith('key:') ? limits.perIp : request.caller?.role === 'admin' ? limits.perAdminKey : limits.perKey),
    errorResponseBuilder: (_request, context) =>
      new Problem(context.statusCode, 'Too Many Requests', `more than ${context.max} requests in ${Math.round(limits.timeWindowMs / 1000)} s; retry in ${context.after}`),
  });

  // Routes guarded by a key say so in the OpenAPI document.
  app.addHook('onRoute', (route) => {
    const guards = [route.preHandler].flat();
    if (guards.includes(adminOnly) || guards.includes(anyKey)) {
      route.schema = { ...route.schema, security: [{ bearerAuth: [] }] } as typeof route.schema;
    }
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'slotwatch API',
        version: '1',
        description:
          'Watches appointment-booking systems for freed slots. Authenticate with "Authorization: Bearer <key>" ' +
          '(roles admin and integrator). Lists are paged with ?after=<cursor>&limit= and answer {items, next}.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key (sw_…).' } } },
    },
  });

  const hub = createStreamHub(deps.db, deps.log);
  app.addHook('onClose', async () => hub.close());
  const publicUrl = deps.publicUrl ?? 'http://localhost';

  await app.register(healthRoutes, deps);
  await app.register(docsRoutes);
  await app.register(keyRoutes, deps);
  await app.register(providerRoutes);
  await app.register(watchRoutes, deps);
  await app.register(credentialRoutes, deps);
  await app.register(eventRoutes, deps);
  await app.register(webhookRoutes, deps);
  await app.register(statusRoutes, deps);
  await app.register(feedRoutes, { db: deps.db, publicUrl });
  await app.register(streamRoutes, { db: deps.db, hub });
  await app.register((await import('./subscriptions.routes')).subscriptionRoutes, deps);
  await app.register((await import('./twitter.routes')).twitterRoutes, deps);
  return app;
}
