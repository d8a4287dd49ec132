import type { Logger } from 'pino';
import { BayimcoCallError, type BayimcoFailureKind, type Upstream } from './bayimco.client';
import { canLogIn, type BayimcoCredentials } from './bayimco.credentials';
import { passwordLogin, refreshGrant, type IssuedTokens, type KeycloakClient } from './bayimco.keycloak';
import type { RefreshLock } from './bayimco.lock';
import type { SealedState } from './bayimco.seal';

/** The state key of a watch's tokens (sealed, see SealedState). */
export const TOKENS_KEY = 'bayimco:tokens';
/** Renew this long before the access token's end, as byImpf does (< 30 s left, research/bayimco.md §2.3). */
const SKEW_MS = 30_000;

interface StoredTokens {
  tokens?: IssuedTokens;
  /** A refusal that only new credentials can fix; remembered so a dead chain or wrong password is not retried every check. */
  dead?: { kind: BayimcoFailureKind; message: string; at: string };
}

export interface TokenKeeperDeps {
  up: Upstream;
  kc: KeycloakClient;
  sealed: SealedState;
  credentials: BayimcoCredentials;
  lock: RefreshLock;
  lockKey: string;
  now: () => Date;
  log: Logger;
}

/**
 * The access token of one watch. Precedence: the tokens in the watch's state (a rotated refresh token
 * supersedes the one the operator handed over, which Keycloak no longer accepts) → the operator's
 * refresh token → a password login. Replacing the credentials starts over from them: the stored
 * tokens were sealed under the old ones and no longer open.
 */
export class TokenKeeper {
  constructor(private readonly d: TokenKeeperDeps) {}

  async access(): Promise<string> {
    const stored = await this.d.sealed.get<StoredTokens>(TOKENS_KEY);
    if (stored?.dead) throw remembered(stored.dead);
    if (stored?.tokens && this.fresh(stored.tokens)) return stored.tokens.accessToken;
    return this.renew(stored?.tokens?.accessToken);
  }

  /** A new access token, unless a peer renewed while we waited for the lock. `rejected`: the one the API refused. */
  renew(rejected?: string): Promise<string> {
    return this.d.lock(this.d.lockKey, async () => {
      const stored = await this.d.sealed.get<StoredTokens>(TOKENS_KEY);
      if (stored?.dead) throw remembered(stored.dead);
      const held = stored?.tokens;
      if (held && held.accessToken !== rejected && this.fresh(held)) return held.accessToken;
      try {
        const tokens = await this.obtain(held);
        // At once: the refresh token just used is dead now, this one is the only way back in.
        await this.d.sealed.set<StoredTokens>(TOKENS_KEY, { tokens });
        return tokens.accessToken;
      } catch (error) {
        if (error instanceof BayimcoCallError && (error.kind === 'invalid_grant' || error.kind === 'bad_credentials')) {
          await this.d.sealed.set<StoredTokens>(TOKENS_KEY, { dead: { kind: error.kind, message: error.message, at: this.d.now().toISOString() } });
        }
        throw error;
      }
    });
  }

  private async obtain(held: IssuedTokens | undefined): Promise<IssuedTokens> {
    const { credentials, log } = this.d;
    let refresh = held?.refreshToken ?? credentials.refreshToken;
    const expired = held?.refreshExpiresAt !== undefined && held.refreshExpiresAt <= this.d.now().getTime();
    if (expired && canLogIn(credentials)) refresh = undefined; // known dead: skip the refusal, log in
    for (let attempt = 0; refresh && attempt < 2; attempt += 1) {
      try {
        return await refreshGrant(this.d.up, this.d.kc, refresh, this.d.now);
      } catch (error) {
        if (!(error instanceof BayimcoCallError) || error.kind !== 'invalid_grant') throw error;
        // Without the shared lock a peer may have rotated this very token a moment ago: adopt its result.
        const latest = (await this.d.sealed.get<StoredTokens>(TOKENS_KEY))?.tokens;
        if (latest && latest.refreshToken !== refresh) {
          if (this.fresh(latest)) return latest;
          refresh = latest.refreshToken;
          continue;
        }
        if (!canLogIn(credentials)) {
          throw new BayimcoCallError(
            'invalid_grant',
            `${error.message} and no password is stored. Hand over a fresh refresh token (the refresh_token of the ` +
              'browser\'s call to …/openid-connect/token) or the account\'s username and password as the watch\'s credentials',
            error.info,
          );
        }
        log.info({ reason: 'invalid_grant' }, 'BayIMCO refresh token refused; logging in with the stored password');
        break;
      }
    }
    if (canLogIn(credentials)) return passwordLogin(this.d.up, this.d.kc, credentials, this.d.now);
    throw new BayimcoCallError('no_credentials', 'no refresh token and no password to get a BayIMCO access token with');
  }

  private fresh(tokens: IssuedTokens): boolean {
    return tokens.accessExpiresAt - SKEW_MS > this.d.now().getTime();
  }
}

function remembered(dead: NonNullable<StoredTokens['dead']>): BayimcoCallError {
  return new BayimcoCallError(dead.kind, `${dead.message} (remembered since ${dead.at}; slotwatch tries again once the credentials are replaced)`);
}
