import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets } from './logger';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, log: createLogger({ level: 'debug', destination }) };
}

describe('createLogger', () => {
  it('redacts secret fields at the top level and two levels down', () => {
    const { lines, log } = capture();
    log.info({ password: 'p1', watch: { credentials: { sessionId: 's1' } }, req: { headers: { authorization: 'Bearer abcdefgh12345' } }, email: 'a@b.example' }, 'hello');
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line.password).toBe('[redacted]');
    expect(line.watch).toEqual({ credentials: '[redacted]' });
    expect(line.req).toEqual({ headers: { authorization: '[redacted]' } });
    expect(line.email).toBe('[redacted]');
  });

  it('scrubs secrets and email addresses inside messages, also in child loggers', () => {
    const { lines, log } = capture();
    log.child({ service: 'x' }).warn(`cannot reach https://user:hunter22@db.example.com/x?sessionId=abc123&day=1 for ops@example.org with whsec_c2VjcmV0c2VjcmV0`);
    expect(lines[0]).not.toMatch(/hunter22|abc123|ops@example\.org|c2VjcmV0c2VjcmV0/);
    expect(lines[0]).toContain('day=1');
  });
});

describe('scrubSecrets', () => {
  it('leaves ordinary text alone', () => {
    const text = '{"msg":"opened a TROOV reservation session","teamId":"61f924e90b0582a933ff3e7c","db":"sw_e2e_1a2b3c4d","at":"postgres@127.0.0.1"}';
    expect(scrubSecrets(text)).toBe(text);
  });

  it('replaces bearer tokens, API keys and webhook secrets', () => {
    expect(scrubSecrets('Authorization: Bearer sw_abcdefghijklmnopqrstuvwxyz')).toBe('Authorization: Bearer [redacted]');
    expect(scrubSecrets('key sw_abcdefghijklmnopqrstuvwxyz0123 leaked')).toBe('key sw_[redacted] leaked');
    expect(scrubSecrets('secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBe('secret whsec_[redacted]');
  });
});
