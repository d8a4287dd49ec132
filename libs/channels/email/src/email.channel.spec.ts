import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmailChannel, listUnsubscribeHeaders, type EmailChannel } from './email.channel';
import { renderAlertMail, renderConfirmationMail } from './email.render';
import { startSmtpSink, type SmtpSink } from './smtp-sink.fake';

const now = new Date('2026-12-01T14:05:30Z');
const model = (language: 'en' | 'fr') =>
  renderAlertMail({
    language,
    kind: 'alerts',
    now,
    unsubscribeUrl: 'https://slotwatch.example/v1/subscriptions/unsubscribe?token=tok_1',
    groups: [
      {
        watchName: 'Montréal passport',
        bookingUrl: 'https://consulat.gouv.fr/montreal/rendez-vous',
        slots: ['2026-12-02T10:00:00-05:00', '2026-12-01T09:15:00-05:00', '2026-12-01T09:30:00-05:00'],
        openCount: 5,
        seenAt: new Date('2026-12-01T14:05:18Z'),
      },
    ],
  });

describe('alert mail', () => {
  it('lists the slots by local day, the booking link and the data age, in English', () => {
    const mail = model('en');
    expect(mail.subject).toBe('3 new slots: Montréal passport');
    expect(mail.text).toContain('Tue 1 Dec: 09:15, 09:30');
    expect(mail.text).toContain('Wed 2 Dec: 10:00');
    expect(mail.text).toContain('Book: https://consulat.gouv.fr/montreal/rendez-vous');
    expect(mail.text).toContain('Checked 12 s before this mail (09:05:18');
    expect(mail.text).toContain('(5 open now)');
    expect(mail.html).toContain('<a href="https://consulat.gouv.fr/montreal/rendez-vous">Book</a>');
    expect(mail.html).toContain('unsubscribe?token=tok_1');
  });

  it('speaks French', () => {
    const mail = model('fr');
    expect(mail.subject).toBe('3 nouveaux créneaux: Montréal passport');
    expect(mail.text).toMatch(/mar\. 1 déc\.: 09:15, 09:30/);
    expect(mail.text).toContain('Réserver: https://consulat.gouv.fr/montreal/rendez-vous');
    expect(mail.html).toContain('lang="fr"');
  });

  it('escapes watch names in HTML', () => {
    const mail = renderAlertMail({
      language: 'en', kind: 'still-open', now, unsubscribeUrl: 'https://x.example/u?token=a&b',
      groups: [{ watchName: '<script>x</script>', slots: ['2026-12-01T09:15:00+01:00'], openCount: 1, seenAt: now }],
    });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('token=a&amp;b');
    expect(mail.text).toContain('still open now');
  });
});

describe('email channel', () => {
  let sink: SmtpSink;
  let channel: EmailChannel;
  beforeAll(async () => {
    sink = await startSmtpSink();
    channel = createEmailChannel({ smtpUrl: sink.url, from: 'slotwatch <alerts@slotwatch.test>' });
  });
  afterAll(async () => {
    channel?.close();
    await sink?.close();
  });
  beforeEach(() => sink.reset());

  it('sends text and HTML with RFC 8058 one-click unsubscribe headers', async () => {
    const mail = model('en');
    const outcome = await channel.send({ to: 'ana@example.org', ...mail, unsubscribe: { url: 'https://slotwatch.example/u?token=t1', mailto: 'mailto:alerts@slotwatch.test?subject=unsubscribe%20t1' } });
    expect(outcome).toMatchObject({ kind: 'delivered', status: 250 });
    const [got] = sink.to('ana@example.org');
    expect(got!.subject).toBe(mail.subject);
    expect(got!.text).toContain('Tue 1 Dec: 09:15, 09:30');
    expect(got!.html).toContain('<h2');
    expect(got!.headers['list-unsubscribe']).toBe('<https://slotwatch.example/u?token=t1>, <mailto:alerts@slotwatch.test?subject=unsubscribe%20t1>');
    expect(got!.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
  });

  it('sends the confirmation mail without unsubscribe headers', async () => {
    const mail = renderConfirmationMail({ language: 'fr', confirmUrl: 'https://slotwatch.example/v1/subscriptions/confirm?token=c1' });
    await channel.send({ to: 'bo@example.org', ...mail });
    const [got] = sink.to('bo@example.org');
    expect(got!.subject).toBe('Confirmez vos alertes slotwatch');
    expect(got!.text).toContain('confirm?token=c1');
    expect(got!.headers['list-unsubscribe']).toBeUndefined();
  });

  it('retries after a 4xx and reports a refused recipient as a hard bounce', async () => {
    sink.failNext(1);
    const temporary = await channel.send({ to: 'cy@example.org', subject: 's', text: 't', html: '<p>t</p>' });
    expect(temporary).toMatchObject({ kind: 'retry', status: 451 });
    sink.rejectRecipients((a) => a === 'gone@example.org');
    const bounce = await channel.send({ to: 'gone@example.org', subject: 's', text: 't', html: '<p>t</p>' });
    expect(bounce).toMatchObject({ kind: 'failed', status: 550, bounce: true });
    expect(bounce.kind === 'failed' && bounce.error).not.toContain('gone@example.org');
  });

  it('keeps to five pooled connections for a hundred mails', async () => {
    const before = sink.connections().total;
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, i) => channel.send({ to: `p${i}@example.org`, subject: 's', text: 't', html: '<p>t</p>' })),
    );
    expect(outcomes.every((o) => o.kind === 'delivered')).toBe(true);
    expect(sink.connections().maxConcurrent).toBeLessThanOrEqual(5);
    expect(sink.connections().total - before).toBeLessThanOrEqual(5);
  });

  it('signs List-Unsubscribe and List-Unsubscribe-Post with DKIM', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const signed = createEmailChannel({
      smtpUrl: sink.url,
      from: 'alerts@slotwatch.test',
      dkim: { domainName: 'slotwatch.test', keySelector: 'sw1', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
    });
    try {
      await signed.send({ to: 'dk@example.org', subject: 's', text: 't', html: '<p>t</p>', unsubscribe: { url: 'https://slotwatch.example/u?token=t2' } });
      const [got] = sink.to('dk@example.org');
      const h = /\bh=([^;]+)/.exec(got!.headers['dkim-signature']!.replace(/\s+/g, ''))![1]!.toLowerCase().split(':');
      expect(h).toEqual(expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'from', 'subject']));
    } finally {
      signed.close();
    }
  });

  it('puts the https URI first in List-Unsubscribe', () => {
    expect(listUnsubscribeHeaders('https://a.example/u?token=x')).toEqual({
      'List-Unsubscribe': '<https://a.example/u?token=x>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });
});
