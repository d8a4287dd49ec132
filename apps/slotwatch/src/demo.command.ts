import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { startSmtpSink } from '@slotwatch/channel-email/testing';
import { randomToken, startFakeX } from '@slotwatch/channel-twitter/testing';
import { startWebhookReceiver, type ReceivedWebhook } from '@slotwatch/channel-webhook/testing';
import type { Config } from '@slotwatch/config';
import { findPreset } from '@slotwatch/provider-troov';
import { startFakeTroov } from '@slotwatch/provider-troov/testing';
import { createLogger } from '@slotwatch/telemetry';
import { startSlotwatch } from './run.command';

export interface DemoOptions {
  /** Seconds to run; 0 = until Ctrl-C. */
  durationS: number;
  /** Where lines for people go. */
  out?: (line: string) => void;
  /** Seconds between two changes on the fake consulate. */
  everyS?: number;
}

export interface DemoSummary {
  opened: number;
  closed: number;
  webhooks: number;
  verified: number;
  mails: number;
  posts: number;
}

const MONTREAL = findPreset('montreal-passport')!.target;

/**
 * The whole system against the fake upstreams: a fake TROOV consulate releases and books slots,
 * slotwatch finds them; a local receiver gets the signed webhooks, an SMTP sink the mails and a fake
 * X API the posts. Its data lives apart from
 * a real installation's (SLOTWATCH_HOME/demo, its own subject prefix).
 */
export async function runDemo(base: Config, options: DemoOptions): Promise<DemoSummary> {
  const out = options.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const fake = await startFakeTroov();
  const receiver = await startWebhookReceiver({ secret: `whsec_${randomBytes(32).toString('base64')}` });
  const sink = await startSmtpSink();
  const xApp = { appKey: 'demo-app', appSecret: randomToken() };
  const xUser = { accessToken: `1-${randomToken()}`, accessSecret: randomToken() };
  const x = await startFakeX(xApp);
  x.addUser(xUser.accessToken, xUser.accessSecret);
  const adminKey = `demo-${randomBytes(18).toString('hex')}`;
  const config: Config = {
    ...base,
    home: resolve(base.home, 'demo'),
    prefix: `${base.prefix}-demo`,
    adminKey,
    webhookAllowPrivate: true,
    minIntervalOverride: 2,
    troovBudget: { calls: 10_000, perSeconds: 60 },
    troovMinGapMs: 0,
    smtpUrl: sink.url,
    mailFrom: 'slotwatch demo <alerts@slotwatch.demo>',
    emailDigestWindowS: 5,
    twitterAppKey: xApp.appKey,
    twitterAppSecret: xApp.appSecret,
    twitterApiUrl: x.apiUrl,
    twitterCoalesceS: 5,
    // The demo talks to people through its own lines; logs only when something is wrong.
    logLevel: base.logLevel === 'info' ? 'error' : base.logLevel,
  };
  const log = createLogger({ level: config.logLevel, name: 'slotwatch-demo' });
  out('slotwatch demo: a fake TROOV consulate (Montréal passports) on ' + fake.url);
  const running = await startSlotwatch(config, { log });
  const api = running.url!;
  const call = async <T>(path: string, body: unknown, method = 'POST'): Promise<T> => {
    const res = await fetch(`${api}${path}`, { method, headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  const summary: DemoSummary = { opened: 0, closed: 0, webhooks: 0, verified: 0, mails: 0, posts: 0 };
  let timer: NodeJS.Timeout | undefined;
  let watchId: string | undefined;
  try {
    // Watches an earlier demo left behind point at fake servers that are gone: remove them.
    const listed = await fetch(`${api}/v1/watches?limit=500`, { headers: { authorization: `Bearer ${adminKey}` } });
    for (const old of ((await listed.json()) as { items: { id: string; name: string }[] }).items.filter((w) => w.name.endsWith('(demo)'))) {
      await fetch(`${api}/v1/watches/${old.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${adminKey}` } });
    }
    const watch = await call<{ id: string }>('/v1/watches', { provider: 'troov', name: 'Montréal passport (demo)', intervalSeconds: 2, target: { ...MONTREAL, baseUrl: fake.url } });
    const hook = await call<{ secret: string }>('/v1/webhooks', { url: `${receiver.url}/slotwatch` });
    receiver.setSecret(hook.secret);
    watchId = watch.id;
    // Email: subscribe and confirm through the confirmation mail, as a person would.
    await call('/v1/subscriptions', { email: 'you@example.org', watchIds: [watch.id] });
    const invite = await sink.waitFor((m) => m.to.includes('you@example.org'));
    const confirm = /\/v1\/subscriptions\/confirm\?token=[A-Za-z0-9_%-]+/.exec(invite.text)?.[0];
    if (confirm) await fetch(`${api}${confirm}`);
    // X: one account posts for this watch (a fake X API that checks OAuth 1.0a signatures).
    await call(`/v1/twitter-accounts/${randomUUID()}`, { name: '@slots_demo', watchIds: [watch.id], ...xUser }, 'PUT');
    out(`slotwatch is up at ${api} — status page ${api}/, watch ${watch.id} checked every 2 s`);
    out(`webhooks go to ${receiver.url}/slotwatch and are verified with the standardwebhooks library;`);
    out('you@example.org is subscribed (confirmed through its confirmation mail) and @slots_demo posts on a fake X\n');

    const seen = new Set<string>();
    const reportOthers = () => {
      const mails = sink.to('you@example.org').filter((m) => !/onfirm/.test(m.subject));
      for (const m of mails.slice(summary.mails)) out(`  mail    to you@example.org: "${m.subject}"`);
      summary.mails = mails.length;
      const posts = x.tweets();
      for (const t of posts.slice(summary.posts)) out(`  post    @slots_demo: ${t.text.split('\n')[0]}`);
      summary.posts = posts.length;
    };
    const report = (w: ReceivedWebhook) => {
      if (seen.has(w.id)) return;
      seen.add(w.id);
      const body = JSON.parse(w.rawBody) as { type: string; data: { slot: { startsAt: string; openSeconds?: number } } };
      summary.webhooks++;
      if (w.verified) summary.verified++;
      const when = body.data.slot.startsAt.replace('T', ' ').slice(0, 16);
      const open = body.data.slot.openSeconds !== undefined ? ` (was open ${body.data.slot.openSeconds} s)` : '';
      out(`  webhook ${body.type.padEnd(11)} ${when}${open}  signature ${w.verified ? 'verified ✓' : 'INVALID ✗'}`);
    };

    const pool = fake.control.bookableSlots(MONTREAL.serviceId);
    const openNow: { day: string; time: string }[] = [];
    const step = () => {
      const booking = openNow.length > 0 && (openNow.length >= 3 || Math.random() < 0.35);
      if (booking) {
        const [slot] = openNow.splice(Math.floor(Math.random() * openNow.length), 1);
        fake.control.closeSlot(slot!.day, slot!.time);
        summary.closed++;
        out(`consulate: ${slot!.day} ${slot!.time} was booked by someone`);
      } else {
        const slot = pool[Math.floor(Math.random() * pool.length)]!;
        if (!openNow.some((s) => s.day === slot.day && s.time === slot.time)) {
          fake.control.openSlot(slot.day, slot.time);
          openNow.push(slot);
          summary.opened++;
          out(`consulate: a cancellation frees ${slot.day} ${slot.time}`);
        }
      }
      for (const w of receiver.received()) report(w);
      reportOthers();
    };
    step();
    timer = setInterval(step, (options.everyS ?? 4) * 1000);
    await new Promise<void>((done) => {
      if (options.durationS > 0) setTimeout(done, options.durationS * 1000);
      process.once('SIGINT', () => done());
      process.once('SIGTERM', () => done());
    });
    clearInterval(timer);
    await new Promise((r) => setTimeout(r, 3000));
    for (const w of receiver.received()) report(w);
    reportOthers();
    out(`\ndemo over: ${summary.opened} slots released, ${summary.closed} booked; ${summary.webhooks} webhooks received, ${summary.verified} verified; ${summary.mails} mails, ${summary.posts} posts`);
    return summary;
  } finally {
    clearInterval(timer);
    if (watchId) await fetch(`${api}/v1/watches/${watchId}`, { method: 'DELETE', headers: { authorization: `Bearer ${adminKey}` } }).catch(() => undefined);
    await running.stop('demo over');
    await receiver.close();
    await fake.close();
    await sink.close();
    await x.close();
  }
}
