import { badField } from './problem';

/**
 * A page from `limit + 1` fetched rows: the extra row only says there is more, so `next` is null
 * exactly on the last page (no empty page at the end).
 */
export function toPage<T>(rows: T[], limit: number, cursorOf: (item: T) => string): { items: T[]; next: string | null } {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? cursorOf(items[items.length - 1]!) : null };
}

/** Opaque cursors for orderings with more than one column: base64url of a JSON array. */
export const encodeCursor = (parts: (string | number)[]): string => Buffer.from(JSON.stringify(parts)).toString('base64url');

export function decodeCursor(raw: string, shape: ('string' | 'number')[]): (string | number)[] {
  try {
    const parts: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.length === shape.length && parts.every((p, i) => typeof p === shape[i])) return parts as (string | number)[];
  } catch {
    /* answered below */
  }
  throw badField('query.after', 'query.after is not a cursor this list handed out; pass the `next` of the previous page');
}
