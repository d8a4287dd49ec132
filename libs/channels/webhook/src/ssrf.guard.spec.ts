import { listenLoopback } from '@slotwatch/http/testing';
import { request, type Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkWebhookUrl, createGuardedDispatcher, SsrfBlockedError } from './ssrf.guard';
import { stubResolver } from './stub-resolver.fake';

describe('checkWebhookUrl', () => {
  it.each([
    'http://127.0.0.1/',
    'http://127.0.0.1:8080/hook',
    'https://127.1.2.3/',
    'http://[::1]/',
    'http://2130706433/',
    'http://0177.0.0.1/',
    'http://0x7f.1/',
    'http://0x7f000001/',
    'http://127.1/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://0.0.0.0/',
    'http://0/',
    'http://169.254.169.254/latest/meta-data',
    'http://[fd00:ec2::254]/latest/meta-data',
    'http://100.100.100.200/latest/meta-data',
    'http://[fe80::1]/',
    'http://10.0.0.1/',
    'http://172.16.5.4/',
    'http://192.168.0.1/',
    'http://100.64.0.1/',
    'http://[fc00::1]/',
    'http://[fd12:3456::1]/',
    'http://[::ffff:10.0.0.1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    'http://[::]/',
    'http://198.18.0.1/',
    'http://localhost/',
    'http://localhost:3000/hook',
    'http://LOCALHOST./',
    'http://api.localhost/',
    'ftp://hooks.example.com/',
    'file:///etc/passwd',
    'gopher://hooks.example.com:70/',
    'javascript:alert(1)',
    'hooks.example.com/no-scheme',
    'not a url',
  ])('refuses %s', (url) => {
    const check = checkWebhookUrl(url, { allowPrivate: false });
    expect(check.ok).toBe(false);
    expect(check.ok === false && check.reason).toMatch(/refused|not an absolute URL|scheme/);
  });

  it.each(['https://hooks.example.com/slotwatch', 'http://8.8.8.8:8080/x', 'https://[2606:4700:4700::1111]/'])('accepts %s', (url) => {
    expect(checkWebhookUrl(url, { allowPrivate: false })).toEqual({ ok: true });
  });

  it('names the range and the way out in the reason', () => {
    expect(checkWebhookUrl('http://10.0.0.1/', { allowPrivate: false })).toEqual({
      ok: false,
      reason: 'the host 10.0.0.1 is refused: private (RFC 1918) addresses are refused unless private targets are allowed (allowPrivate)',
    });
    expect(checkWebhookUrl('http://169.254.169.254/', { allowPrivate: true })).toEqual({
      ok: false,
      reason: 'the host 169.254.169.254 is refused: cloud metadata (AWS, GCP, Azure) addresses are never allowed as webhook targets',
    });
  });

  it('allows private and loopback hosts with allowPrivate but still refuses link-local and metadata', () => {
    for (const url of ['http://127.0.0.1:8080/', 'http://10.0.0.5/', 'http://[::1]/', 'http://localhost/', 'http://100.64.1.1/']) {
      expect(checkWebhookUrl(url, { allowPrivate: true })).toEqual({ ok: true });
    }
    for (const url of ['http://169.254.169.254/', 'http://[fd00:ec2::254]/', 'http://100.100.100.200/', 'http://[fe80::1]/', 'http://0.0.0.0/', 'http://[::ffff:169.254.0.1]/']) {
      expect(checkWebhookUrl(url, { allowPrivate: true }).ok).toBe(false);
    }
  });
});

describe('createGuardedDispatcher', () => {
  // Every would-be connection lands on this loopback listener, so "refused before connect" means 0 accepts.
  let target: Awaited<ReturnType<typeof listenLoopback>>;
  let port: string;
  let accepted = 0;
  beforeAll(async () => {
    target = await listenLoopback((_req, res) => res.end('ok'));
    target.server.on('connection', () => accepted++);
    port = new URL(target.url).port;
  });
  afterAll(() => target.close());

  async function attempt(dispatcher: Agent, url: string): Promise<unknown> {
    try {
      const res = await request(url, { dispatcher });
      await res.body.text();
      return res.statusCode;
    } catch (error) {
      return error;
    } finally {
      await dispatcher.close();
    }
  }

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.0.0.2', 'loopback'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['10.0.0.7', 'private (RFC 1918)'],
    ['192.168.1.20', 'private (RFC 1918)'],
    ['100.64.0.9', 'carrier-grade NAT (RFC 6598)'],
    ['fc00::5', 'unique-local'],
    ['169.254.169.254', 'cloud metadata (AWS, GCP, Azure)'],
    ['fd00:ec2::254', 'cloud metadata (AWS)'],
    ['0.0.0.0', 'unspecified'],
  ])('refuses a name that resolves to %s (%s) before connecting', async (address, range) => {
    const before = accepted;
    const lookup = stubResolver({ 'hooks.customer.test': [address] });
    const error = await attempt(createGuardedDispatcher({ allowPrivate: false, lookup }), `http://hooks.customer.test:${port}/`);
    expect(error).toBeInstanceOf(SsrfBlockedError);
    expect(error).toMatchObject({ name: 'SsrfBlockedError', host: 'hooks.customer.test', address, range });
    expect(lookup.calls).toEqual(['hooks.customer.test']);
    expect(accepted).toBe(before);
  });

  it.each(['http://127.0.0.1', 'http://[::ffff:127.0.0.1]', 'http://2130706433'])('refuses the literal %s before connecting', async (origin) => {
    const before = accepted;
    const error = await attempt(createGuardedDispatcher({ allowPrivate: false, lookup: stubResolver({}) }), `${origin}:${port}/`);
    expect(error).toBeInstanceOf(SsrfBlockedError);
    expect(accepted).toBe(before);
  });

  it.each(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', 'fe80::1', '224.0.0.1'])(
    'refuses %s even with allowPrivate, by name and as a literal',
    async (address) => {
      const lookup = stubResolver({ 'metadata.customer.test': [address] });
      const byName = await attempt(createGuardedDispatcher({ allowPrivate: true, lookup }), `http://metadata.customer.test:${port}/`);
      expect(byName).toMatchObject({ name: 'SsrfBlockedError', verdict: 'forbidden' });
      const literal = address.includes(':') ? `[${address}]` : address;
      const direct = await attempt(createGuardedDispatcher({ allowPrivate: true, lookup }), `http://${literal}:${port}/`);
      expect(direct).toMatchObject({ name: 'SsrfBlockedError', verdict: 'forbidden' });
    },
  );

  it('guards https the same way, before the TLS handshake', async () => {
    const before = accepted;
    const lookup = stubResolver({ 'secure.customer.test': ['127.0.0.1'] });
    const error = await attempt(createGuardedDispatcher({ allowPrivate: false, lookup }), `https://secure.customer.test:${port}/`);
    expect(error).toMatchObject({ name: 'SsrfBlockedError', address: '127.0.0.1' });
    expect(accepted).toBe(before);
  });

  it('checks every resolved address, not only the first', async () => {
    const before = accepted;
    const lookup = stubResolver({ 'mixed.customer.test': ['127.0.0.1', '169.254.169.254'] });
    const error = await attempt(createGuardedDispatcher({ allowPrivate: true, lookup }), `http://mixed.customer.test:${port}/`);
    expect(error).toMatchObject({ name: 'SsrfBlockedError', address: '169.254.169.254' });
    expect(accepted).toBe(before);
  });

  it('judges the address of this connect, so DNS rebinding after registration is refused', async () => {
    const before = accepted;
    const lookup = stubResolver((_host, call) => (call === 0 ? ['93.184.215.14'] : ['127.0.0.1']));
    // Registration-time resolution saw a public address...
    await new Promise((resolve) => lookup('rebind.customer.test', {}, resolve));
    expect(checkWebhookUrl(`http://rebind.customer.test:${port}/`, { allowPrivate: false })).toEqual({ ok: true });
    // ...and the connect-time answer is loopback.
    const error = await attempt(createGuardedDispatcher({ allowPrivate: false, lookup }), `http://rebind.customer.test:${port}/`);
    expect(error).toMatchObject({ name: 'SsrfBlockedError', address: '127.0.0.1' });
    expect(accepted).toBe(before);
  });

  it('connects to a private name when allowPrivate is set', async () => {
    const before = accepted;
    const lookup = stubResolver({ 'receiver.customer.test': ['127.0.0.1'] });
    const status = await attempt(createGuardedDispatcher({ allowPrivate: true, lookup }), `http://receiver.customer.test:${port}/`);
    expect(status).toBe(200);
    expect(accepted).toBe(before + 1);
  });

  it('passes resolver failures through unchanged', async () => {
    const error = await attempt(createGuardedDispatcher({ allowPrivate: false, lookup: stubResolver({}) }), `http://nowhere.customer.test:${port}/`);
    expect(error).toMatchObject({ code: 'ENOTFOUND' });
  });
});
