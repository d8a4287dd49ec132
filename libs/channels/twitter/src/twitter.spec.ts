import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwitterChannel, type TwitterChannel } from './twitter.channel';
import { composePost, MAX_POST_WEIGHT, weightedLength } from './twitter.text';
import { randomToken, startFakeX, type FakeX } from './x-api.fake';

const now = new Date('2026-12-01T14:05:30Z');
const slotsOn = (day: string, n: number) => Array.from({ length: n }, (_, i) => `${day}T${String(8 + Math.floor(i / 4)).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')}:00-05:00`);

describe('composePost', () => {
  it('names the watch, lists the times by day, links to booking and says how old the data is', () => {
    const text = composePost({
      language: 'en',
      now,
      groups: [{ watchName: 'Montréal passport', bookingUrl: 'https://consulat.gouv.fr/montreal/rendez-vous', slots: ['2026-12-01T09:15:00-05:00', '2026-12-02T10:00:00-05:00'], seenAt: new Date('2026-12-01T14:05:18Z') }],
    });
    expect(text).toBe('Montréal passport: 2 new slots\nTue 1 Dec 09:15 · Wed 2 Dec 10:00\nBook: https://consulat.gouv.fr/montreal/rendez-vous\n\nSeen 12 s ago (09:05)');
  });

  it('speaks French and marks a summary post', () => {
    const text = composePost({ language: 'fr', now, summaryMinutes: 25, groups: [{ watchName: 'Passeport Montréal', slots: ['2026-12-01T09:15:00-05:00'], seenAt: now }] });
    expect(text).toMatch(/^Récapitulatif des 25 dernières min :\n\nPasseport Montréal: 1 nouveau créneau\nmar\. 1 déc\. 09:15\n\nVu il y a 0 s/);
  });

  it('stays within 280 weighted characters whatever it is given, and keeps the first booking link', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 120 }), n: fc.integer({ min: 1, max: 60 }) }), { minLength: 1, maxLength: 8 }),
        fc.constantFrom('en' as const, 'fr' as const),
        (groups, language) => {
          const text = composePost({
            language, now,
            groups: groups.map((g, i) => ({ watchName: g.name, bookingUrl: `https://book.example/${i}/${'x'.repeat(80)}`, slots: slotsOn('2026-12-0' + ((i % 8) + 1), g.n), seenAt: now })),
          });
          expect(weightedLength(text)).toBeLessThanOrEqual(MAX_POST_WEIGHT);
        },
      ),
      { numRuns: 300 },
    );
    const many = composePost({ language: 'en', now, groups: [{ watchName: 'Busy', bookingUrl: 'https://book.example/a', slots: slotsOn('2026-12-01', 40), seenAt: now }] });
    expect(many).toContain('Book: https://book.example/a');
    expect(many).toMatch(/\+\d+ more/);
  });

  it('counts a URL as 23 and CJK as 2', () => {
    expect(weightedLength(`a https://${'x'.repeat(200)}.example/`)).toBe(25);
    expect(weightedLength('日本')).toBe(4);
    expect(weightedLength('é')).toBe(1);
  });
});

describe('X channel against the fake X API', () => {
  const app = { appKey: 'app-key-1', appSecret: 'app-secret-1' };
  let x: FakeX;
  let channel: TwitterChannel;
  const user = { accessToken: `1-${randomToken()}`, accessSecret: randomToken() };
  beforeAll(async () => {
    x = await startFakeX({ ...app, limit: 5 });
    x.addUser(user.accessToken, user.accessSecret);
    channel = createTwitterChannel({ ...app, apiUrl: x.apiUrl });
  });
  afterAll(async () => {
    channel?.close();
    await x?.close();
  });

  it('posts with a valid OAuth 1.0a signature and reads the budget from the headers', async () => {
    const outcome = await channel.send({ ...user, text: 'first post' });
    expect(outcome).toMatchObject({ kind: 'delivered', status: 201, budget: { limit: 5, remaining: 4 } });
    expect(outcome.tweetId).toBe(x.tweets()[0]!.id);
    expect(outcome.budget!.resetAt.getTime()).toBeGreaterThan(Date.now());
  });

  it('is refused with a wrong secret', async () => {
    const wrong = createTwitterChannel({ ...app, appSecret: 'not-it', apiUrl: x.apiUrl });
    expect(await wrong.send({ ...user, text: 'forged' })).toMatchObject({ kind: 'failed', status: 401 });
    const alsoWrong = await channel.send({ ...user, accessSecret: 'nope', text: 'forged 2' });
    expect(alsoWrong).toMatchObject({ kind: 'failed', status: 401 });
    expect(x.tweets().map((t) => t.text)).not.toContain('forged');
    wrong.close();
  });

  it('counts "duplicate content" as posted', async () => {
    await channel.send({ ...user, text: 'same words' });
    expect(await channel.send({ ...user, text: 'same words' })).toMatchObject({ kind: 'delivered', status: 403, duplicate: true });
    expect(x.tweets().filter((t) => t.text === 'same words')).toHaveLength(1);
  });

  it('waits for x-rate-limit-reset after a 429', async () => {
    x.setBudget(user.accessToken, { remaining: 0, resetInS: 120 });
    const outcome = await channel.send({ ...user, text: 'too many' });
    expect(outcome).toMatchObject({ kind: 'retry', status: 429, budget: { remaining: 0 } });
    expect(outcome.kind === 'retry' && outcome.retryAfterMs).toBeGreaterThan(100_000);
    expect(outcome.kind === 'retry' && outcome.retryAfterMs).toBeLessThanOrEqual(120_000);
  });
});
