import { randomBytes } from 'node:crypto';
import { sha256, type Db } from '@slotwatch/db';

export type Role = 'admin' | 'integrator';

export interface ApiKeyView {
  id: string;
  name: string;
  role: Role;
  /** The first characters of the key, to recognise it (`sw_AbCd1234`); the key itself is never stored. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** A new key: `sw_<random>`. Only its SHA-256 hash and an 11-character prefix are stored. */
export async function createApiKey(db: Db, input: { name: string; role: Role }): Promise<{ id: string; key: string }> {
  const key = `sw_${randomBytes(24).toString('base64url')}`;
  const [row] = await db<{ id: string }[]>`
    INSERT INTO api_keys (name, role, prefix, hash) VALUES (${input.name}, ${input.role}, ${key.slice(0, 11)}, ${sha256(key)})
    RETURNING id`;
  return { id: row!.id, key };
}

/** Makes SLOTWATCH_ADMIN_KEY a valid admin key (idempotent). */
export async function ensureBootstrapKey(db: Db, key: string): Promise<void> {
  await db`
    INSERT INTO api_keys (name, role, prefix, hash) VALUES ('bootstrap (SLOTWATCH_ADMIN_KEY)', 'admin', ${key.slice(0, 8)}, ${sha256(key)})
    ON CONFLICT (hash) DO UPDATE SET revoked_at = NULL`;
}

/** Looks a key up by its hash: a unique-index probe, so no comparison of secrets happens in JS. */
export async function findKey(db: Db, key: string): Promise<{ id: string; role: Role } | undefined> {
  const [row] = await db<{ id: string; role: Role }[]>`SELECT id, role FROM api_keys WHERE hash = ${sha256(key)} AND revoked_at IS NULL`;
  return row;
}

export async function touchKey(db: Db, id: string): Promise<void> {
  await db`UPDATE api_keys SET last_used_at = now() WHERE id = ${id}`;
}

/** Keys in id order, without secrets; revoked keys are listed too (with `revokedAt`). */
export async function listApiKeys(db: Db, page: { after?: string; limit: number }): Promise<ApiKeyView[]> {
  const rows = await db<{ id: string; name: string; role: Role; prefix: string; created_at: Date; last_used_at: Date | null; revoked_at: Date | null }[]>`
    SELECT id, name, role, prefix, created_at, last_used_at, revoked_at FROM api_keys
    WHERE ${page.after ? db`id > ${page.after}` : db`true`}
    ORDER BY id LIMIT ${page.limit}`;
  return rows.map((r) => ({
    id: r.id, name: r.name, role: r.role, prefix: r.prefix, createdAt: iso(r.created_at)!, lastUsedAt: iso(r.last_used_at), revokedAt: iso(r.revoked_at),
  }));
}

/** Revokes a key at once (the next request with it gets 401). False when there is no such live key. */
export async function revokeApiKey(db: Db, id: string): Promise<boolean> {
  const rows = await db`UPDATE api_keys SET revoked_at = now() WHERE id = ${id} AND revoked_at IS NULL RETURNING 1`;
  return rows.length === 1;
}
