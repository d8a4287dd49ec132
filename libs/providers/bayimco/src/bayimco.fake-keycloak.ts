import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from '@slotwatch/http/testing';
import { BAYIMCO_CLIENT_ID } from './bayimco.config';
import type { FakeRealm } from './bayimco.fake-realm';
import type { FakeBayimcoWorld } from './bayimco.fake-world';
import type { FakeCounts } from './bayimco.fake-control';

export const REALM_PATH = '/auth/realms/C19V-Citizen';

/**
 * Keycloak's citizen realm as the bots met it (research/bayimco.md §2.1, §7): the login page with
 * form#kc-form-login and session cookies, the credential POST answering 302 with the code in the
 * URL fragment (or the page again with "Ungültiger Benutzername oder Passwort."), the token endpoint.
 */
export async function handleKeycloak(req: IncomingMessage, res: ServerResponse, realm: FakeRealm, world: FakeBayimcoWorld, counts: FakeCounts, origin: string): Promise<void> {
  const url = new URL(req.url ?? '/', origin);
  const path = url.pathname.slice(REALM_PATH.length);
  const method = req.method ?? 'GET';

  if (method === 'GET' && path === '/protocol/openid-connect/auth') {
    counts.loginPage += 1;
    const q = url.searchParams;
    if (q.get('client_id') !== BAYIMCO_CLIENT_ID) return page(res, 400, errorPage('Client not found.'));
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!/^https?:\/\/[^#]+\/citizen\/$/.test(redirectUri)) return page(res, 400, errorPage('Invalid parameter: redirect_uri'));
    if (q.get('response_type') !== 'code') return page(res, 400, errorPage('Invalid parameter: response_type'));
    const login = realm.startLogin(redirectUri, q.get('state'));
    const cookiePath = `Path=${REALM_PATH}/; HttpOnly`;
    return page(res, 200, loginPage(origin, login), {
      'set-cookie': [`AUTH_SESSION_ID=${login.id}.keycloak-0; ${cookiePath}`, `KC_RESTART=${Buffer.from(login.sessionCode).toString('base64url')}; ${cookiePath}`],
    });
  }

  if (method === 'POST' && path === '/login-actions/authenticate') {
    counts.loginPost += 1;
    const form = new URLSearchParams(await readBody(req));
    const sessionId = /(?:^|;\s*)AUTH_SESSION_ID=([^.;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const login = realm.login(sessionId);
    if (!login) return page(res, 400, errorPage('Cookie not found. Please make sure cookies are enabled in your browser.'));
    if (url.searchParams.get('tab_id') !== login.tabId || url.searchParams.get('session_code') !== login.sessionCode) {
      return page(res, 400, errorPage('Your login attempt timed out. Login will start from the beginning.'));
    }
    const username = form.get('username') ?? '';
    const account = world.accounts.get(username);
    if (!account || account.password !== form.get('password')) {
      counts.loginRefused += 1;
      realm.renewLogin(login);
      return page(res, 200, loginPage(origin, login, 'Ungültiger Benutzername oder Passwort.'));
    }
    const { code, sso } = realm.finishLogin(login, username);
    const fragment = new URLSearchParams({ ...(login.state !== null && { state: login.state }), session_state: sso, code });
    res.writeHead(302, { location: `${login.redirectUri}#${fragment.toString()}`, 'content-length': '0' });
    return void res.end();
  }

  if (method === 'POST' && path === '/protocol/openid-connect/token') {
    const form = new URLSearchParams(await readBody(req));
    const grant = form.get('grant_type');
    if (form.get('client_id') !== BAYIMCO_CLIENT_ID) return sendJson(res, 401, { error: 'invalid_client', error_description: 'Invalid client credentials' });
    let answer;
    if (grant === 'authorization_code') {
      counts.tokenCode += 1;
      answer = realm.exchangeCode(form.get('code') ?? '', form.get('redirect_uri'));
    } else if (grant === 'refresh_token') {
      counts.tokenRefresh += 1;
      answer = realm.refreshGrant(form.get('refresh_token') ?? '');
    } else {
      return sendJson(res, 400, { error: 'unsupported_grant_type', error_description: 'Unsupported grant_type' });
    }
    if (!answer.ok) {
      counts.tokenRefused += 1;
      return sendJson(res, answer.status, { error: answer.error, error_description: answer.description });
    }
    return sendJson(res, 200, answer.body, { 'cache-control': 'no-store', pragma: 'no-cache' });
  }
  return sendJson(res, 404, { error: 'RESTEASY003210: Could not find resource for full path' });
}

function page(res: ServerResponse, status: number, html: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html;charset=utf-8', 'content-length': Buffer.byteLength(html), ...headers });
  res.end(html);
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function loginPage(origin: string, login: { sessionCode: string; execution: string; tabId: string }, error?: string): string {
  const action = `${origin}${REALM_PATH}/login-actions/authenticate?session_code=${login.sessionCode}&execution=${login.execution}&client_id=${BAYIMCO_CLIENT_ID}&tab_id=${login.tabId}`;
  const alert = error
    ? `<div class="alert alert-error"><span class="pficon pficon-error-circle-o"></span><span class="kc-feedback-text">${escape(error)}</span></div>`
    : '';
  return `<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Anmeldung bei C19V-Citizen</title></head><body id="keycloak-bg">
<div id="kc-content">${alert}
<form id="kc-form-login" onsubmit="login.disabled = true; return true;" action="${escape(action)}" method="post">
<input tabindex="1" id="username" name="username" value="" type="text" autofocus autocomplete="off">
<input tabindex="2" id="password" name="password" type="password" autocomplete="off">
<input type="hidden" id="id-hidden-input" name="credentialId">
<input tabindex="4" name="login" id="kc-login" type="submit" value="Anmelden">
</form></div></body></html>`;
}

function errorPage(message: string): string {
  return `<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Anmeldung bei C19V-Citizen</title></head><body><div id="kc-error-message"><p class="instruction">${escape(message)}</p></div></body></html>`;
}
