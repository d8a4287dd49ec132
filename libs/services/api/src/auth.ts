import type { FastifyRequest } from 'fastify';
import type { Db } from '@slotwatch/db';
import { Problem } from './problem';
import { findKey, type Role } from './keys.repository';

export interface Caller {
  keyId: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

/** Resolves the bearer key; `roles` lists who may call. 401 without a valid key, 403 with the wrong role. */
export function requireKey(db: Db, roles: Role[]) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match?.[1]) {
      throw new Problem(401, 'Unauthorized', 'send an API key as "Authorization: Bearer <key>" (create one with `slotwatch keys create`)');
    }
    const key = await findKey(db, match[1]);
    if (!key) throw new Problem(401, 'Unauthorized', 'this API key is unknown or revoked');
    if (!roles.includes(key.role)) throw new Problem(403, 'Forbidden', `this route needs a key with role ${roles.join(' or ')}`);
    request.caller = { keyId: key.id, role: key.role };
  };
}
