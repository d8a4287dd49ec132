import type { FastifyRequest } from 'fastify';
import { badField } from './problem';

const PART = { body: 'body', query: 'query', params: 'path' } as const;

/** The path of the first string (value or key) Postgres cannot store: a NUL, or a lone UTF-16 surrogate. */
function firstUnstorable(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') || !(value as string & { isWellFormed(): boolean }).isWellFormed() ? path : undefined;
  if (value === null || typeof value !== 'object' || depth > 32) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const at = `${path}.${key}`;
    if (!Array.isArray(value) && firstUnstorable(key, at, depth + 1)) return at;
    const found = firstUnstorable(inner, at, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * A preValidation hook for every route: text and jsonb columns refuse NUL characters and lone
 * surrogates, so such input is a 400 naming the field instead of a database error.
 */
export async function rejectUnstorableText(request: FastifyRequest): Promise<void> {
  for (const part of ['params', 'query', 'body'] as const) {
    const field = firstUnstorable(request[part], PART[part]);
    if (field) throw badField(field, `${field} holds a NUL character or a broken UTF-16 sequence; send plain UTF-8 text`);
  }
}
