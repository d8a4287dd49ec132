/**
 * What an operator hands over for a BayIMCO watch, stored encrypted in provider_credentials:
 * either a refresh token copied from the browser (c19ac's `starttoken`) or the account's username
 * and password (impformation.bayern logs in with them; research/bayimco.md §2, §6). Both may be given:
 * the refresh token is tried first and the password is the way back in when the refresh chain dies.
 */
export interface BayimcoCredentials {
  refreshToken?: string;
  username?: string;
  password?: string;
}

const KNOWN = ['refreshToken', 'username', 'password'] as const;
const HINTS: Record<string, string> = { refresh_token: 'refreshToken', user: 'username', email: 'username', pass: 'password' };

/**
 * Every problem with a credentials value, each naming its field, or `[]` when it is usable.
 * The API and the CLI call this before storing credentials for a bayimco watch.
 */
export function validateBayimcoCredentials(value: unknown): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return ['credentials must be an object: {"refreshToken": "…"} or {"username": "…", "password": "…"}'];
  }
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(record)) {
    if ((KNOWN as readonly string[]).includes(key)) continue;
    const hint = HINTS[key];
    problems.push(`credentials.${key} is not a BayIMCO credential${hint ? `; did you mean credentials.${hint}?` : '; use refreshToken, or username and password'}`);
  }
  for (const key of KNOWN) {
    const v = record[key];
    if (v !== undefined && (typeof v !== 'string' || v.trim() === '')) problems.push(`credentials.${key} must be a non-empty string`);
  }
  const has = (key: (typeof KNOWN)[number]) => typeof record[key] === 'string' && (record[key] as string).trim() !== '';
  if (!has('refreshToken') && !has('username') && !has('password')) {
    problems.push(
      'credentials need either credentials.refreshToken (the refresh_token of the browser\'s call to …/openid-connect/token, ' +
        'from the devtools) or credentials.username and credentials.password of the impfzentren.bayern account',
    );
  } else {
    if (has('password') && !has('username')) problems.push('credentials.username is required with credentials.password (the e-mail address of the account)');
    if (has('username') && !has('password')) problems.push('credentials.password is required with credentials.username; a username alone cannot log in');
  }
  return problems;
}

/** The usable credentials of a check, or the problems that make them unusable. */
export function readCredentials(value: unknown): { ok: true; credentials: BayimcoCredentials } | { ok: false; problems: string[] } {
  if (value === undefined) {
    return { ok: false, problems: ['the watch has no credentials; store {"refreshToken": "…"} or {"username": "…", "password": "…"} for it'] };
  }
  const problems = validateBayimcoCredentials(value);
  if (problems.length > 0) return { ok: false, problems };
  const r = value as Record<string, string | undefined>;
  return { ok: true, credentials: { refreshToken: r.refreshToken, username: r.username, password: r.password } };
}

export function canLogIn(c: BayimcoCredentials): c is BayimcoCredentials & { username: string; password: string } {
  return c.username !== undefined && c.password !== undefined;
}
