import { randomBytes } from 'node:crypto';
import { sha256, type Db } from '@slotwatch/db';

export type Role = 'admin' | 'integrator';

export interface ApiKeyRow {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** A new key: `sw_<random>`. Only its SHA-256 hash and an 8-character prefix are stored. */
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

export async function findKey(db: Db, key: string): Promise<{ id: string; role: Role } | undefined> {
  const [row] = await db<{ id: string; role: Role }[]>`SELECT id, role FROM api_keys WHERE hash = ${sha256(key)} AND revoked_at IS NULL`;
  return row;
}
