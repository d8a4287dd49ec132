import { randomBytes, randomUUID } from 'node:crypto';

/** A mistake in a control call (unknown account, bad date); answered 400 over HTTP. */
export class FakeControlError extends Error {
  override readonly name = 'FakeControlError';
}

export interface RealmTimes {
  /** 300 s upstream (research/bayimco.md §2.3). */
  accessSeconds: number;
  /** 1800 s upstream. */
  refreshSeconds: number;
  /** Keycloak's SSO session max (default 10 h): past it every refresh fails with "Session not active". */
  ssoMaxSeconds: number;
}

interface LoginSession {
  id: string;
  tabId: string;
  sessionCode: string;
  execution: string;
  redirectUri: string;
  state: string | null;
  createdAt: number;
}

interface Token {
  username: string;
  sso: string;
  expiresAt: number;
}

export type TokenAnswer = { ok: true; body: Record<string, unknown> } | { ok: false; status: number; error: string; description: string };

/**
 * The Keycloak side of the fake, without HTTP: login sessions, codes, SSO sessions and tokens, on the
 * fake's clock. Refresh tokens rotate and a used one is refused, as with Keycloak's "Revoke Refresh
 * Token" setting (the spec's §2.2/§7 behaviour).
 */
export class FakeRealm {
  private readonly logins = new Map<string, LoginSession>();
  private readonly codes = new Map<string, { username: string; sso: string; redirectUri: string; expiresAt: number }>();
  private readonly ssos = new Map<string, { username: string; startedAt: number; ended: boolean }>();
  private readonly access = new Map<string, Token>();
  private readonly refresh = new Map<string, Token & { used: boolean }>();

  constructor(
    private readonly now: () => number,
    readonly times: RealmTimes,
    private readonly issuer: () => string,
  ) {}

  startLogin(redirectUri: string, state: string | null): LoginSession {
    const login = { id: randomUUID(), tabId: token(8), sessionCode: token(32), execution: randomUUID(), redirectUri, state, createdAt: this.now() };
    this.logins.set(login.id, login);
    return login;
  }

  login(id: string | undefined): LoginSession | undefined {
    const login = id ? this.logins.get(id) : undefined;
    // Keycloak's login timeout: 30 min for the whole form.
    return login && this.now() - login.createdAt < 30 * 60_000 ? login : undefined;
  }

  /** A new session code for the same login (Keycloak changes it on every form answer). */
  renewLogin(login: LoginSession): void {
    login.sessionCode = token(32);
  }

  /** The credentials were right: end the login, open an SSO session, hand out a one-minute code. */
  finishLogin(login: LoginSession, username: string): { code: string; sso: string } {
    this.logins.delete(login.id);
    const sso = randomUUID();
    this.ssos.set(sso, { username, startedAt: this.now(), ended: false });
    const code = `${randomUUID()}.${sso}.${randomUUID()}`;
    this.codes.set(code, { username, sso, redirectUri: login.redirectUri, expiresAt: this.now() + 60_000 });
    return { code, sso };
  }

  exchangeCode(code: string, redirectUri: string | null): TokenAnswer {
    const entry = this.codes.get(code);
    this.codes.delete(code); // single use
    if (!entry || entry.expiresAt <= this.now()) return refused('invalid_grant', 'Code not valid');
    if (entry.redirectUri !== redirectUri) return refused('invalid_grant', 'Incorrect redirect_uri');
    return this.issue(entry.username, entry.sso);
  }

  refreshGrant(refreshToken: string): TokenAnswer {
    const entry = this.refresh.get(refreshToken);
    if (!entry) return refused('invalid_grant', 'Invalid refresh token');
    if (entry.used) return refused('invalid_grant', 'Maximum allowed refresh token reuse exceeded');
    if (entry.expiresAt <= this.now()) return refused('invalid_grant', 'Token is not active');
    const sso = this.ssos.get(entry.sso);
    if (!sso || sso.ended || this.now() - sso.startedAt >= this.times.ssoMaxSeconds * 1000) return refused('invalid_grant', 'Session not active');
    entry.used = true;
    return this.issue(entry.username, entry.sso);
  }

  /** Tokens as if copied from a browser session (c19ac's `starttoken`). */
  issueFor(username: string): Record<string, unknown> {
    const sso = randomUUID();
    this.ssos.set(sso, { username, startedAt: this.now(), ended: false });
    return (this.issue(username, sso) as { body: Record<string, unknown> }).body;
  }

  /** The account a bearer token belongs to, or undefined when it is unknown or expired. */
  user(bearer: string | undefined): string | undefined {
    const entry = bearer ? this.access.get(bearer) : undefined;
    return entry && entry.expiresAt > this.now() ? entry.username : undefined;
  }

  expire(kind: 'access' | 'refresh' | 'all'): void {
    const at = this.now();
    if (kind !== 'refresh') for (const t of this.access.values()) t.expiresAt = Math.min(t.expiresAt, at);
    if (kind !== 'access') for (const t of this.refresh.values()) t.expiresAt = Math.min(t.expiresAt, at);
  }

  /** Log every session out (all refresh tokens die with "Session not active"); of one account when given. */
  endSessions(username?: string): void {
    for (const s of this.ssos.values()) if (!username || s.username === username) s.ended = true;
    for (const t of this.access.values()) if (!username || t.username === username) t.expiresAt = Math.min(t.expiresAt, this.now());
  }

  counts(): { liveAccessTokens: number; liveRefreshTokens: number; sessions: number } {
    const at = this.now();
    return {
      liveAccessTokens: [...this.access.values()].filter((t) => t.expiresAt > at).length,
      liveRefreshTokens: [...this.refresh.values()].filter((t) => !t.used && t.expiresAt > at).length,
      sessions: [...this.ssos.values()].filter((s) => !s.ended).length,
    };
  }

  private issue(username: string, sso: string): TokenAnswer {
    const at = this.now();
    const session = this.ssos.get(sso)!;
    const refreshSeconds = Math.max(1, Math.min(this.times.refreshSeconds, Math.floor((session.startedAt + this.times.ssoMaxSeconds * 1000 - at) / 1000)));
    const access = this.jwt('Bearer', username, sso, this.times.accessSeconds);
    const refresh = this.jwt('Refresh', username, sso, refreshSeconds);
    this.access.set(access, { username, sso, expiresAt: at + this.times.accessSeconds * 1000 });
    this.refresh.set(refresh, { username, sso, expiresAt: at + refreshSeconds * 1000, used: false });
    return {
      ok: true,
      body: {
        access_token: access,
        expires_in: this.times.accessSeconds,
        refresh_expires_in: refreshSeconds,
        refresh_token: refresh,
        token_type: 'Bearer',
        id_token: this.jwt('ID', username, sso, this.times.accessSeconds),
        'not-before-policy': 0,
        session_state: sso,
        scope: 'openid email profile',
      },
    };
  }

  /** JWT-shaped like Keycloak's; the signature is random, nobody verifies it. */
  private jwt(typ: string, username: string, sso: string, seconds: number): string {
    const iat = Math.floor(this.now() / 1000);
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const payload = { exp: iat + seconds, iat, jti: randomUUID(), iss: this.issuer(), sub: username, typ, azp: 'c19v-frontend', session_state: sso };
    return `${b64({ alg: typ === 'Refresh' ? 'HS256' : 'RS256', typ: 'JWT' })}.${b64(payload)}.${randomBytes(32).toString('base64url')}`;
  }
}

function refused(error: string, description: string): TokenAnswer {
  return { ok: false, status: 400, error, description };
}

function token(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
