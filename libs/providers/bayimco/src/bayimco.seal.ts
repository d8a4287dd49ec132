import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { ProviderState } from '@slotwatch/provider-core';
import type { BayimcoCredentials } from './bayimco.credentials';

/**
 * Token state sealed for the watch's state table. DESIGN §5 wants BayIMCO refresh tokens encrypted at
 * rest, and provider_state is plain JSON; so values are AES-256-GCM sealed with a key derived from the
 * operator's credentials (themselves encrypted with SLOTWATCH_SECRET_KEY). A side effect is wanted:
 * when the operator replaces the credentials, what was sealed under the old ones no longer opens, so a
 * stale rotated token or a stop never outlives the credentials it came from.
 */
export class SealedState {
  private readonly key: Buffer;

  constructor(
    private readonly state: ProviderState,
    watchId: string,
    credentials: BayimcoCredentials,
  ) {
    const ikm = JSON.stringify([credentials.refreshToken ?? null, credentials.username ?? null, credentials.password ?? null]);
    this.key = Buffer.from(hkdfSync('sha256', ikm, `slotwatch:bayimco:${watchId}`, 'provider-state v1', 32));
  }

  async get<T>(key: string): Promise<T | undefined> {
    const sealed = await this.state.get<{ v: 1; iv: string; tag: string; data: string }>(key);
    if (!sealed || sealed.v !== 1) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      const text = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
      return JSON.parse(text) as T;
    } catch {
      return undefined; // sealed under other credentials: it belongs to what the operator replaced
    }
  }

  async set<T>(key: string, value: T, ttlSeconds?: number): Promise<void> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    const sealed = { v: 1, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
    await this.state.set(key, sealed, ttlSeconds);
  }

  delete(key: string): Promise<void> {
    return this.state.delete(key);
  }
}
