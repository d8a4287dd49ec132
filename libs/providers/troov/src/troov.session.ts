import type { ProviderState } from '@slotwatch/provider-core';
import type { Logger } from 'pino';
import { createSession } from './troov.api';
import type { TroovClient } from './troov.client';
import type { ResolvedTarget } from './troov.config';

interface StoredSession {
  id: string;
  createdAt: number;
}

export interface SessionTimes {
  /** Upstream lifetime of a session: 30 min (research/troov.md §1.5, §2). */
  ttlSeconds: number;
  /** Start a fresh one after this age, before the upstream drops it (visaflow renews at 25 min). */
  renewAfterSeconds: number;
}

const SESSION_KEY = 'troov:session';
const REJECTED_CREDENTIAL_KEY = 'troov:rejected-session-credential';

/**
 * The reservation session of one watch, kept across checks in the watch's state. An operator may hand
 * over a session id opened in a browser (`credentials.sessionId`, e.g. after solving a captcha); it is
 * used until TROOV rejects it, then slotwatch tries to open its own.
 */
export class SessionKeeper {
  private id: string | undefined;

  constructor(
    private readonly client: TroovClient,
    private readonly target: ResolvedTarget,
    private readonly state: ProviderState,
    private readonly times: SessionTimes,
    private readonly now: () => Date,
    private readonly log: Logger,
    private readonly credential: string | undefined,
  ) {}

  async current(): Promise<string> {
    if (this.id) return this.id;
    if (this.credential && (await this.state.get<string>(REJECTED_CREDENTIAL_KEY)) !== this.credential) {
      this.id = this.credential;
      return this.id;
    }
    const stored = await this.state.get<StoredSession>(SESSION_KEY);
    if (stored && this.now().getTime() - stored.createdAt < this.times.renewAfterSeconds * 1000) {
      this.id = stored.id;
      return this.id;
    }
    return this.create();
  }

  /** The current session was refused (404 SESSION_ERROR): forget it and open another. */
  async renew(): Promise<string> {
    if (this.id && this.id === this.credential) {
      this.log.warn('the TROOV session id handed over in the credentials expired; opening a new session');
      await this.state.set(REJECTED_CREDENTIAL_KEY, this.credential);
    }
    await this.state.delete(SESSION_KEY);
    return this.create();
  }

  private async create(): Promise<string> {
    this.id = undefined;
    const id = await createSession(this.client, this.target.teamId, this.target.serviceName, this.target.profile);
    await this.state.set<StoredSession>(SESSION_KEY, { id, createdAt: this.now().getTime() }, this.times.ttlSeconds);
    this.log.debug({ teamId: this.target.teamId }, 'opened a TROOV reservation session');
    this.id = id;
    return id;
  }
}
