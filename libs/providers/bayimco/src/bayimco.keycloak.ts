import { randomUUID } from 'node:crypto';
import { Value } from 'typebox/value';
import { BayimcoCallError, describe, parseJson, snippet, type Upstream } from './bayimco.client';
import { TokenResponse } from './bayimco.schema';

/** Where the realm lives and what the SPA client is called (research/bayimco.md §1, §2). */
export interface KeycloakClient {
  /** Realm base, e.g. https://ciam.impfzentren.bayern/auth/realms/C19V-Citizen */
  authUrl: string;
  clientId: string;
  /** The SPA's redirect target, https://impfzentren.bayern/citizen/ */
  redirectUri: string;
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms, from `expires_in` (300 s upstream, §2.3). */
  accessExpiresAt: number;
  /** Epoch ms, from `refresh_expires_in` (1800 s upstream) when given. */
  refreshExpiresAt?: number;
}

/** The refresh grant (§2.2). A dead refresh token is Keycloak's 400 `invalid_grant`. */
export function refreshGrant(up: Upstream, kc: KeycloakClient, refreshToken: string, now: () => Date): Promise<IssuedTokens> {
  return tokenCall(up, kc, { client_id: kc.clientId, grant_type: 'refresh_token', refresh_token: refreshToken }, now);
}

/**
 * The SPA's login, step by step as S2/S4/S5 do it (§2.1): the login form (keeping Keycloak's session
 * cookies), the credential POST without following its redirect, the code from the Location fragment,
 * then the code exchange.
 */
export async function passwordLogin(up: Upstream, kc: KeycloakClient, login: { username: string; password: string }, now: () => Date): Promise<IssuedTokens> {
  const state = randomUUID();
  const authorize = new URL(`${kc.authUrl}/protocol/openid-connect/auth`);
  const params = { client_id: kc.clientId, redirect_uri: kc.redirectUri, response_mode: 'fragment', response_type: 'code', scope: 'openid', nonce: randomUUID(), state, ui_locales: 'de' };
  for (const [k, v] of Object.entries(params)) authorize.searchParams.set(k, v);

  const page = await up.send({ url: authorize.toString(), headers: { accept: 'text/html' }, endpoint: 'auth' });
  if (page.status !== 200) throw new BayimcoCallError('http', `the Keycloak login page (${describe(authorize.toString())}) answered HTTP ${page.status}`, { status: page.status, body: snippet(page.text), endpoint: 'auth' });
  const action = formAction(page.text);
  if (!action) throw new BayimcoCallError('upstream_shape', `the Keycloak login page has no form#kc-form-login${titleOf(page.text)}`, { body: snippet(page.text), endpoint: 'auth' });
  const cookies = cookieHeader(page.headers['set-cookie']);

  const posted = await up.send({
    method: 'POST',
    url: new URL(action, authorize).toString(),
    endpoint: 'auth',
    headers: { accept: 'text/html', ...(cookies && { cookie: cookies }) },
    form: { username: login.username, password: login.password, credentialId: '' },
  });
  if (posted.status === 200) {
    const feedback = /class="kc-feedback-text"[^>]*>([^<]*)</.exec(posted.text)?.[1];
    if (feedback !== undefined && formAction(posted.text)) {
      throw new BayimcoCallError('bad_credentials', `Keycloak refused the username and password ("${decode(feedback).trim()}")`, { status: 200, endpoint: 'auth' });
    }
    throw new BayimcoCallError('upstream_shape', `the login POST answered a page instead of a redirect${titleOf(posted.text)}; the account may need a step in the browser first`, { status: 200, body: snippet(posted.text), endpoint: 'auth' });
  }
  const location = posted.headers.location;
  if (posted.status < 300 || posted.status >= 400 || !location) {
    throw new BayimcoCallError('http', `the login POST answered HTTP ${posted.status} instead of a 302 redirect${titleOf(posted.text)}`, { status: posted.status, body: snippet(posted.text), endpoint: 'auth' });
  }
  // The code rides in the fragment (response_mode=fragment); bots split on '#' and parse a query string.
  const target = new URL(location, authorize);
  const answer = new URLSearchParams(target.hash.replace(/^#/, '') || target.search.replace(/^\?/, ''));
  const code = answer.get('code');
  if (answer.get('error')) throw new BayimcoCallError('bad_credentials', `Keycloak ended the login with ${answer.get('error')}${answer.get('error_description') ? `: ${answer.get('error_description')}` : ''}`);
  if (!code) throw new BayimcoCallError('upstream_shape', `the login redirect to ${describe(target.toString())} carries no code`, { endpoint: 'auth' });
  if (answer.get('state') !== null && answer.get('state') !== state) throw new BayimcoCallError('upstream_shape', 'the login redirect carries a state that is not ours', { endpoint: 'auth' });
  return tokenCall(up, kc, { grant_type: 'authorization_code', client_id: kc.clientId, code, redirect_uri: kc.redirectUri }, now);
}

async function tokenCall(up: Upstream, kc: KeycloakClient, form: Record<string, string>, now: () => Date): Promise<IssuedTokens> {
  const url = `${kc.authUrl}/protocol/openid-connect/token`;
  const res = await up.send({ method: 'POST', url, headers: { accept: 'application/json' }, form, endpoint: 'auth' });
  const body = parseJson(res.text) as { error?: unknown; error_description?: unknown } | undefined;
  const grant = form.grant_type;
  if (res.status === 400 && body?.error === 'invalid_grant') {
    const why = typeof body.error_description === 'string' ? `: ${body.error_description}` : '';
    // Only a refused refresh token is final; a refused login code is a hiccup the next login repairs.
    if (grant === 'refresh_token') throw new BayimcoCallError('invalid_grant', `Keycloak refused the refresh token (invalid_grant${why})`, { status: 400, endpoint: 'auth' });
    throw new BayimcoCallError('http', `Keycloak refused the login code (invalid_grant${why})`, { status: 400, endpoint: 'auth' });
  }
  if (res.status !== 200) {
    const why = typeof body?.error === 'string' ? ` (${body.error}${typeof body.error_description === 'string' ? `: ${body.error_description}` : ''})` : '';
    throw new BayimcoCallError('http', `the Keycloak token endpoint answered HTTP ${res.status}${why} to the ${grant} grant`, { status: res.status, body: snippet(res.text), endpoint: 'auth' });
  }
  if (!Value.Check(TokenResponse, body)) {
    const first = Value.Errors(TokenResponse, body)[0];
    throw new BayimcoCallError('upstream_shape', `the Keycloak token answer lacks what a refresh needs (${first?.instancePath || '/'} ${first?.message ?? 'not JSON'})`, { status: 200, endpoint: 'auth' });
  }
  const at = now().getTime();
  return {
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    accessExpiresAt: at + body.expires_in * 1000,
    refreshExpiresAt: body.refresh_expires_in ? at + body.refresh_expires_in * 1000 : undefined,
  };
}

/** The action of `<form id="kc-form-login" … action="…">`, every bot's scraping target (§2.1). */
function formAction(html: string): string | undefined {
  const tag = /<form\b[^>]*\bid="kc-form-login"[^>]*>/i.exec(html)?.[0];
  const action = tag && /\baction="([^"]*)"/i.exec(tag)?.[1];
  return action ? decode(action) : undefined;
}

/** name=value pairs of every Set-Cookie (the client joins several with ", "), as one Cookie header. */
export function cookieHeader(setCookie: string | undefined): string {
  if (!setCookie) return '';
  return setCookie
    .split(/,(?=\s*[^;,=\s]+=)/)
    .map((c) => c.split(';')[0]!.trim())
    .filter((c) => c.includes('='))
    .join('; ');
}

function titleOf(html: string): string {
  const title = /<title>([^<]*)<\/title>/i.exec(html)?.[1]?.trim();
  return title ? ` ("${decode(title)}")` : '';
}

function decode(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
