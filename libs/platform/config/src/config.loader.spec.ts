import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.loader';

describe('loadConfig', () => {
  it('applies defaults when the environment is empty', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.prefix).toBe('slotwatch');
    expect(config.webhookAllowPrivate).toBe(false);
    expect(config.publicUrl).toBe('http://localhost:8080');
  });

  it('reports every bad variable at once, naming each and the fix', () => {
    const error = (() => {
      try {
        loadConfig({ PORT: 'eighty', NATS_URL: 'not a url', SLOTWATCH_SECRET_KEY: 'short', LOG_LEVEL: 'loud' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems).toHaveLength(4);
    expect(error.message).toContain('PORT="eighty" is not a whole number');
    expect(error.message).toContain('NATS_URL');
    expect(error.message).toContain('SLOTWATCH_SECRET_KEY=*** must be 32 bytes');
    expect(error.message).not.toContain('short');
    expect(error.message).toContain('LOG_LEVEL="loud" must be one of');
  });

  it('accepts a 32-byte secret key as hex or base64', () => {
    const hex = 'ab'.repeat(32);
    expect(loadConfig({ SLOTWATCH_SECRET_KEY: hex }).secretKey?.length).toBe(32);
    expect(loadConfig({ SLOTWATCH_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') }).secretKey?.length).toBe(32);
  });

  it('refuses a short admin key', () => {
    expect(() => loadConfig({ SLOTWATCH_ADMIN_KEY: 'abc' })).toThrow(/SLOTWATCH_ADMIN_KEY is shorter than 24/);
  });
});
