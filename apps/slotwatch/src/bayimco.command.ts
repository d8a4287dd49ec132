import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { createHttpClient } from '@slotwatch/http';
import { listSites } from '@slotwatch/provider-bayimco';
import { clearBayimcoStop } from '@slotwatch/provider-bayimco';
import { dbProviderState } from '@slotwatch/scraper';
import type { Db } from '@slotwatch/db';

/**
 * Reads BayIMCO credentials — `{"refreshToken": "…"}` or `{"username": "…", "password": "…"}` —
 * from a JSON file or from standard input (`-`), never from the command line, where other users
 * of the machine could read them in the process list.
 */
export function readCredentials(source: string | undefined, field = '--credentials'): Record<string, unknown> {
  if (!source) {
    throw new InvalidArgumentError(`${field} is required for a bayimco watch: a JSON file (or - for stdin) holding {"refreshToken": "…"} or {"username": "…", "password": "…"}`);
  }
  let text: string;
  try {
    text = readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(`${field}: cannot read ${source}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new InvalidArgumentError(`${field}: ${source} is not a JSON object like {"refreshToken": "…"}`);
  }
}

/** `slotwatch bayimco sites`: districts → centres → sites, to choose a watch's possibleSiteId. */
export async function bayimcoSitesTable(credentials: Record<string, unknown>, target: { baseUrl?: string; authUrl?: string }): Promise<string> {
  const http = createHttpClient({ userAgent: 'slotwatch-cli/0.1 (+https://github.com/slotwatch/slotwatch)', timeoutMs: 30_000 });
  const sites = await listSites(http, target, { credentials });
  if (sites.length === 0) return 'BayIMCO lists no sites';
  return ['site id                               district / site', ...sites.map((s) => `${s.id}  ${s.district} / ${s.name}`)].join('\n');
}

/** A stopped BayIMCO watch (stopOnSuccess/Fail/AuthFail) resumes when its stop mark is gone. */
export async function clearProviderStop(db: Db, watchId: string, provider: string): Promise<void> {
  if (provider === 'bayimco') await clearBayimcoStop(dbProviderState(db, watchId));
}
