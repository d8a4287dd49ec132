import type { Db, SecretBox } from '@slotwatch/db';
import { validateBayimcoCredentials } from '@slotwatch/provider-bayimco';
import { badFields, notFound, Problem } from './problem';

/**
 * Operator-given secrets per watch (BayIMCO tokens or login, a TROOV session id), sealed with
 * SLOTWATCH_SECRET_KEY into provider_credentials as one JSON object. The scraper opens them into
 * `ctx.credentials`. Write-only: no route ever answers with them.
 */

async function providerOf(db: Db, watchId: string): Promise<string> {
  const [row] = await db<{ provider: string }[]>`SELECT provider FROM watches WHERE id = ${watchId}`;
  if (!row) throw notFound(`watch ${watchId}`);
  return row.provider;
}

async function store(db: Db, secrets: SecretBox, watchId: string, value: Record<string, unknown>): Promise<void> {
  await db`
    INSERT INTO provider_credentials (watch_id, sealed) VALUES (${watchId}, ${secrets.seal(JSON.stringify(value))})
    ON CONFLICT (watch_id) DO UPDATE SET sealed = excluded.sealed, updated_at = now()`;
}

/** Problems with a credentials object, each naming its body field. */
export function credentialProblems(provider: string, value: Record<string, unknown>): { field: string; message: string }[] {
  if (provider === 'bayimco') {
    return validateBayimcoCredentials(value).map((message) => {
      const name = /credentials\.(\w+)/.exec(message)?.[1];
      return { field: name ? `body.${name}` : 'body', message };
    });
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return [{ field: 'body', message: `body must hold at least one credential for a ${provider} watch` }];
  return entries
    .filter(([, v]) => typeof v !== 'string' || v.trim() === '')
    .map(([k]) => ({ field: `body.${k}`, message: `body.${k} must be a non-empty string` }));
}

/** Replaces a watch's credentials (PUT semantics), after checking them against its provider. */
export async function putCredentials(db: Db, secrets: SecretBox, watchId: string, value: Record<string, unknown>): Promise<void> {
  const provider = await providerOf(db, watchId);
  const problems = credentialProblems(provider, value);
  if (problems.length) throw badFields(problems);
  await store(db, secrets, watchId, value);
}

/**
 * Hands a TROOV session (solved in a browser, e.g. after a captcha) to the watch: stored as
 * `{sessionId}` beside whatever credentials the watch already has; the adapter reads
 * `ctx.credentials.sessionId`.
 */
export async function handOverSession(db: Db, secrets: SecretBox, watchId: string, sessionId: string): Promise<void> {
  const provider = await providerOf(db, watchId);
  if (provider !== 'troov') {
    throw new Problem(409, 'Conflict', `watch ${watchId} is a ${provider} watch; sessions are handed over only to troov watches (use PUT /v1/watches/${watchId}/credentials)`);
  }
  const [row] = await db<{ sealed: string }[]>`SELECT sealed FROM provider_credentials WHERE watch_id = ${watchId}`;
  let current: Record<string, unknown> = {};
  if (row) {
    try {
      current = JSON.parse(secrets.open(row.sealed)) as Record<string, unknown>;
    } catch {
      current = {}; // sealed with an older key: the new session replaces what cannot be opened
    }
  }
  await store(db, secrets, watchId, { ...current, sessionId });
}
