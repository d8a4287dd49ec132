import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.client';

const LOCK_ID = 0x510_7a7c; // any constant; one advisory lock for all migrators

/** Where the numbered .sql files are, in the source tree or next to the bundled output. */
export function migrationsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../migrations'), resolve(here, '../../migrations'), resolve(here, 'migrations')];
  const found = candidates.find((dir) => existsSync(join(dir, '001_init.sql')));
  if (!found) throw new Error(`slotwatch cannot find its migrations (looked in ${candidates.join(', ')})`);
  return found;
}

/**
 * Applies the numbered, forward-only migrations not yet applied, each in its own transaction,
 * all under one advisory lock so concurrent starters wait instead of racing. Returns what it applied.
 */
export async function migrate(sql: Db, dir = migrationsDir()): Promise<string[]> {
  const files = readdirSync(dir).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${LOCK_ID})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`;
    const done = new Set((await tx<{ name: string }[]>`SELECT name FROM schema_migrations`).map((r) => r.name));
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      await tx.unsafe(readFileSync(join(dir, file), 'utf8'));
      await tx`INSERT INTO schema_migrations (name) VALUES (${file})`;
      applied.push(file);
    }
    return applied;
  });
}
