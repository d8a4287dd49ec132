import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '@slotwatch/channel-email/testing';
import { MAX_POST_WEIGHT, weightedLength } from '@slotwatch/channel-twitter';
import { randomToken, startFakeX, type FakeX } from '@slotwatch/channel-twitter/testing';
import type { Config } from '@slotwatch/config';
import { subjects, type SlotChangedV1 } from '@slotwatch/contracts';
import { SecretBox, type Db } from '@slotwatch/db';
import { runServices, type Running } from '@slotwatch/runtime';
import { createTestInfra, sleep, testConfig, waitFor, type TestInfra } from '@slotwatch/testing';
import { notifierService } from './notifier.service';
import { insertSubscriber, insertTwitterAccount, insertWatch, setSlot, slotEvent, slotTimes } from './test.fixtures';

let infra: TestInfra;
let config: Config;
let sink: SmtpSink;
let x: FakeX;
let notifier: Running;
let db: Db;
let box: SecretBox;
const app = { appKey: 'slotwatch-app', appSecret: randomToken() };
const log = pino({ level: 'silent' });

beforeAll(async () => {
  infra = await createTestInfra('notifier_channels');
  sink = await startSmtpSink();
  x = await startFakeX(app);
  config = testConfig(infra, {
    smtpUrl: sink.url,
    mailFrom: 'slotwatch <alerts@slotwatch.test>',
    publicUrl: 'https://slotwatch.test',
    emailDigestWindowS: 2,
    twitterAppKey: app.appKey,
    twitterAppSecret: app.appSecret,
    twitterApiUrl: x.apiUrl,
    twitterCoalesceS: 2,
  });
  notifier = await runServices([notifierService], config, { name: 'notifier', log });
  db = notifier.ctx.db;
  box = new SecretBox(config.secretKey!);
}, 60_000);
afterAll(async () => {
  await notifier?.stop();
  await sink?.close();
  await x?.close();
  await infra?.cleanup();
});

const publish = (event: SlotChangedV1) => notifier.ctx.bus.publish('slots.changed', subjects.slotsChanged(notifier.ctx.bus.naming, event.watch.provider, event.watch.id), event, event.eventId);

/** Opens the slots in the differ's table and publishes one slot.opened per slot, as the differ would. */
async function openSlots(watchId: string, times: string[], over: Partial<SlotChangedV1> = {}): Promise<SlotChangedV1[]> {
  const events: SlotChangedV1[] = [];
  for (const t of times) {
    await setSlot(db, watchId, t, true);
    const event = slotEvent(watchId, t, over);
    events.push(event);
    await publish(event);
  }
  return events;
}

/** The events are fanned out, and every batch of these subscriptions has been sent or dropped. */
const settled = (ids: string[], events: SlotChangedV1[] = []) =>
  waitFor('the batches to settle', async () => {
    const [seen] = await db<{ n: number }[]>`SELECT count(*)::int AS n FROM notifier_events WHERE event_id = ANY(${db.array(events.map((e) => e.eventId))}::uuid[])`;
    if (seen!.n < events.length) return false;
    const [row] = await db<{ n: number }[]>`SELECT count(*)::int AS n FROM notify_batches WHERE subscription_id = ANY(${db.array(ids)}::uuid[]) AND status IN ('open', 'pending')`;
    const [items] = await db<{ n: number }[]>`SELECT count(*)::int AS n FROM deliveries WHERE subscription_id = ANY(${db.array(ids)}::uuid[]) AND status = 'pending'`;
    return row!.n === 0 && items!.n === 0;
  }, 20_000);

describe('email and X fan-out', () => {
  it('turns 20 slots opened within seconds into one post and one mail per confirmed subscriber, and nothing for an unconfirmed one', async () => {
    const watchId = await insertWatch(db, { name: 'Montréal passport' });
    const ana = await insertSubscriber(db, box, { email: 'ana@example.org', filter: { watchIds: [watchId] } });
    const bea = await insertSubscriber(db, box, { email: 'bea@example.org', language: 'fr', filter: { watchIds: [watchId] } });
    const cyd = await insertSubscriber(db, box, { email: 'cyd@example.org', confirmed: false, filter: { watchIds: [watchId] } });
    const user = { accessToken: `1-${randomToken()}`, accessSecret: randomToken() };
    x.addUser(user.accessToken, user.accessSecret);
    const account = await insertTwitterAccount(db, box, [watchId], user, 'fr');

    const events = await openSlots(watchId, slotTimes('2026-12-01', 20));
    await settled([ana.id, bea.id, cyd.id, account], events);
    await sleep(500);

    expect(sink.to('ana@example.org')).toHaveLength(1);
    expect(sink.to('bea@example.org')).toHaveLength(1);
    expect(sink.to('cyd@example.org')).toHaveLength(0);
    const [mail] = sink.to('ana@example.org');
    expect(mail!.subject).toBe('20 new slots: Montréal passport');
    expect(mail!.text).toContain('Tue 1 Dec: 08:00, 08:15');
    expect(mail!.headers['list-unsubscribe']).toContain(`<https://slotwatch.test/v1/subscriptions/unsubscribe?token=${ana.unsubscribeToken}>`);
    expect(mail!.headers['list-unsubscribe']).toContain('<mailto:alerts@slotwatch.test?subject=unsubscribe');
    expect(mail!.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(sink.to('bea@example.org')[0]!.subject).toBe('20 nouveaux créneaux: Montréal passport');

    const posts = x.tweets(user.accessToken);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.text).toMatch(/^Montréal passport: 20 nouveaux créneaux\nmar\. 1 déc\. 08:00, 08:15/);
    expect(posts[0]!.text).toMatch(/Vu il y a \d+ s/);
    expect(weightedLength(posts[0]!.text)).toBeLessThanOrEqual(MAX_POST_WEIGHT);
    const [budget] = await db<{ remaining: number }[]>`SELECT remaining FROM twitter_state WHERE account_id = ${account}`;
    expect(budget!.remaining).toBe(99);
  });

  it('never announces a slot that closed inside the window, nor a private watch on public channels', async () => {
    const watchId = await insertWatch(db, { name: 'Flappy' });
    const secret = await insertWatch(db, { name: 'Secret', visibility: 'private' });
    const sub = await insertSubscriber(db, box, { email: 'flap@example.org' });
    const user = { accessToken: `2-${randomToken()}`, accessSecret: randomToken() };
    x.addUser(user.accessToken, user.accessSecret);
    const account = await insertTwitterAccount(db, box, [watchId, secret], user);
    const [stays, flaps] = slotTimes('2026-12-03', 2) as [string, string];
    const opened = await openSlots(watchId, [stays, flaps]);
    await setSlot(db, watchId, flaps, false); // closed again before the window ends
    const hidden = await openSlots(secret, slotTimes('2026-12-04', 1), { visibility: 'private', watch: { id: secret, name: 'Secret', provider: 'troov' } });
    await settled([sub.id, account], [...opened, ...hidden]);
    const mails = sink.to('flap@example.org');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain('Thu 3 Dec: 08:00');
    expect(mails[0]!.text).not.toContain('08:15');
    expect(mails[0]!.text).not.toContain('Secret');
    expect(x.tweets(user.accessToken)).toHaveLength(1);
    expect(x.tweets(user.accessToken)[0]!.text).not.toContain('08:15');
    expect(x.tweets(user.accessToken)[0]!.text).not.toContain('Secret');
  });

  it('drops alerts during quiet hours and sends what is still open when they end', async () => {
    const watchId = await insertWatch(db, { name: 'Night watch' });
    const utcNow = new Date();
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const quiet = { start: hhmm(new Date(utcNow.getTime() - 3600_000)), end: hhmm(new Date(utcNow.getTime() + 3600_000)) };
    const sub = await insertSubscriber(db, box, { email: 'night@example.org', timeZone: 'UTC', quiet, filter: { watchIds: [watchId] } });
    const [a, b] = slotTimes('2026-12-05', 2) as [string, string];
    await openSlots(watchId, [a, b]);
    const digest = await waitFor('the still-open digest scheduled', async () => (await db<{ id: string; next_attempt_at: Date }[]>`SELECT id, next_attempt_at FROM notify_batches WHERE subscription_id = ${sub.id} AND kind = 'still-open' AND status = 'open'`)[0], 15_000);
    expect(digest.next_attempt_at.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    const [dropped] = await db<{ n: number }[]>`SELECT count(*)::int AS n FROM deliveries WHERE subscription_id = ${sub.id} AND status = 'cancelled' AND last_error LIKE 'dropped: quiet hours%'`;
    expect(dropped!.n).toBe(2);
    expect(sink.to('night@example.org')).toHaveLength(0);

    // The quiet hours end (moved to now, and the subscriber's night is over): b closed meanwhile.
    await setSlot(db, watchId, b, false);
    await db`UPDATE email_subscribers SET quiet_start = NULL, quiet_end = NULL WHERE id = ${sub.id}`;
    await db`UPDATE notify_batches SET next_attempt_at = now() WHERE id = ${digest.id}`;
    await db`SELECT pg_notify('slotwatch_batches', '')`;
    const mail = await sink.waitFor((m) => m.to.includes('night@example.org'), 10_000);
    expect(mail.subject).toBe('1 slot still open: Night watch');
    expect(mail.text).toContain('Sat 5 Dec: 08:00');
    expect(mail.text).not.toContain('08:15');
  });

  it('waits for minCount open slots and keeps a cooldown per watch', async () => {
    const watchId = await insertWatch(db, { name: 'Busy office' });
    const picky = await insertSubscriber(db, box, { email: 'picky@example.org', minCount: 3, filter: { watchIds: [watchId] } });
    const calm = await insertSubscriber(db, box, { email: 'calm@example.org', cooldownS: 3600, filter: { watchIds: [watchId] } });
    const [s1, s2, s3] = slotTimes('2026-12-07', 3) as [string, string, string];
    await settled([picky.id], await openSlots(watchId, [s1, s2]));
    await sink.waitFor((m) => m.to.includes('calm@example.org'));
    expect(sink.to('picky@example.org')).toHaveLength(0);

    await openSlots(watchId, [s3]);
    const mail = await sink.waitFor((m) => m.to.includes('picky@example.org'));
    expect(mail.text).toContain('1 new slot (3 open now)');
    // The cooldown holds the third slot for calm@: still pending, due in about an hour.
    const held = await waitFor('the held delivery', async () => (await db<{ at: Date }[]>`
      SELECT b.next_attempt_at AS at FROM deliveries d JOIN notify_batches b ON b.id = d.batch_id
      WHERE d.subscription_id = ${calm.id} AND d.status = 'pending' AND b.status = 'open'`)[0], 10_000);
    expect(held.at.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    expect(sink.to('calm@example.org')).toHaveLength(1);
  });

  it("keeps to a subscriber's date range and earliest time of day", async () => {
    const watchId = await insertWatch(db, { name: 'Mornings off' });
    const sub = await insertSubscriber(db, box, { email: 'late@example.org', filter: { watchIds: [watchId], from: '2026-12-12', to: '2026-12-13', earliestTime: '09:00' } });
    const events = await openSlots(watchId, ['2026-12-11T10:00:00-05:00', '2026-12-12T08:45:00-05:00', '2026-12-12T09:30:00-05:00', '2026-12-14T10:00:00-05:00']);
    await settled([sub.id], events);
    const [mail] = sink.to('late@example.org');
    expect(sink.to('late@example.org')).toHaveLength(1);
    expect(mail!.subject).toBe('1 new slot: Mornings off');
    expect(mail!.text).toContain('Sat 12 Dec: 09:30');
    expect(mail!.text).not.toMatch(/08:45|11 Dec|14 Dec/);
  });

  it('stops mailing an address the server refuses for good', async () => {
    const watchId = await insertWatch(db, { name: 'Bounce' });
    const gone = await insertSubscriber(db, box, { email: 'gone@example.org', filter: { watchIds: [watchId] } });
    sink.rejectRecipients((a) => a === 'gone@example.org');
    await openSlots(watchId, slotTimes('2026-12-08', 1));
    const state = await waitFor('the bounce recorded', async () => (await db<{ bounced_at: Date | null; bounce_reason: string }[]>`SELECT bounced_at, bounce_reason FROM email_subscriber_state WHERE subscriber_id = ${gone.id}`)[0]);
    expect(state.bounce_reason).toMatch(/550/);
    expect(state.bounce_reason).not.toContain('gone@example.org');
    sink.rejectRecipients(undefined);
    const later = await openSlots(watchId, slotTimes('2026-12-09', 1));
    await settled([gone.id], later);
    const [n] = await db<{ n: number }[]>`SELECT count(*)::int AS n FROM deliveries WHERE event_id = ${later[0]!.eventId} AND subscription_id = ${gone.id}`;
    expect(n!.n).toBe(0);
  });

  it('sends nothing to X before x-rate-limit-reset after a 429, then posts', async () => {
    const watchId = await insertWatch(db, { name: 'Limited' });
    const user = { accessToken: `3-${randomToken()}`, accessSecret: randomToken() };
    x.addUser(user.accessToken, user.accessSecret);
    await insertTwitterAccount(db, box, [watchId], user);
    x.setBudget(user.accessToken, { remaining: 0, resetInS: 3 });
    const resetAt = Math.floor(Date.now() / 1000) + 3;
    await openSlots(watchId, slotTimes('2026-12-10', 2));
    const post = await x.waitFor((t) => t.accessToken === user.accessToken, 20_000);
    const mine = x.requests().filter((r) => r.accessToken === user.accessToken);
    expect(mine.map((r) => r.status)).toEqual([429, 201]);
    expect(mine[1]!.at.getTime()).toBeGreaterThanOrEqual(resetAt * 1000);
    expect(post.text).toContain('Limited: 2 new slots');
  });
});

describe('channels that are not configured', () => {
  it('stay off with a log line each, and the notifier runs', async () => {
    const other = await createTestInfra('notifier_off');
    const lines: Array<{ msg: string }> = [];
    const capture = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
    const running = await runServices([notifierService], testConfig(other), { name: 'notifier', log: capture });
    try {
      const messages = lines.map((l) => l.msg);
      expect(messages).toContain('email channel off: SMTP_URL is not set (email subscriptions are accepted but no mail is sent)');
      expect(messages).toContain('X channel off: TWITTER_APP_KEY and TWITTER_APP_SECRET are not set');
    } finally {
      await running.stop();
      await other.cleanup();
    }
  });
});
