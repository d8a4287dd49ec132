import type { FastifyRequest } from 'fastify';
import type { Db } from '@slotwatch/db';
import { Problem } from './problem';
import { findKey, touchKey, type Role } from './keys.repository';

export interface Caller {
  keyId: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The key this request authenticated with (set before rate limiting and routes). */
    caller?: Caller;
    /** Why there is no caller: no Authorization header, or a key that is unknown or revoked. */
    authFailure?: 'missing' | 'invalid';
  }
}

const BEARER = /^Bearer\s+([\x21-\x7e]{1,200})$/i;
const TOUCH_EVERY_MS = 60_000;

/**
 * The app-wide onRequest hook: resolves the bearer key once, before the rate limiter (which counts
 * per key) and the routes (which check the role). Only the SHA-256 of the key is looked up.
 * `last_used_at` is written at most once a minute per key, not on every request.
 */
export function resolveCaller(db: Db) {
  const touched = new Map<string, number>();
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (header === undefined) {
      request.authFailure = 'missing';
      return;
    }
    const token = BEARER.exec(header)?.[1];
    const key = token ? await findKey(db, token) : undefined;
    if (!key) {
      request.authFailure = 'invalid';
      return;
    }
    request.caller = { keyId: key.id, role: key.role };
    const now = Date.now();
    if ((touched.get(key.id) ?? 0) < now - TOUCH_EVERY_MS) {
      touched.set(key.id, now);
      if (touched.size > 10_000) touched.clear();
      touchKey(db, key.id).catch((error: unknown) => request.log.warn({ err: error }, 'could not record the key use'));
    }
  };
}

/** A preHandler: who may call. 401 without a valid key, 403 with the wrong role. */
export function requireRole(...roles: Role[]) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!request.caller) {
      throw request.authFailure === 'invalid'
        ? new Problem(401, 'Unauthorized', 'this API key is unknown or revoked; send "Authorization: Bearer <key>" with a live key')
        : new Problem(401, 'Unauthorized', 'send an API key as "Authorization: Bearer <key>" (create one with `slotwatch keys create`)');
    }
    if (!roles.includes(request.caller.role)) {
      throw new Problem(403, 'Forbidden', `this route needs a key with role ${roles.join(' or ')}; this key is ${request.caller.role}`);
    }
  };
}

export const adminOnly = requireRole('admin');
export const anyKey = requireRole('admin', 'integrator');

/** The caller of a route guarded by `requireRole` (always set there). */
export const callerOf = (request: FastifyRequest): Caller => {
  if (!request.caller) throw new Problem(401, 'Unauthorized', 'send an API key as "Authorization: Bearer <key>"');
  return request.caller;
};
