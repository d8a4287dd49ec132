/**
 * The email channel: one nodemailer SMTP pool per process (research §5a: create one transporter and
 * reuse it; nodemailer's pool defaults are 5 connections and 100 messages per connection), one mail
 * per attempt, and a decision on purpose for every answer:
 * accepted → delivered · 4xx or a network failure → retry · 5xx for the recipient (hard bounce) →
 * failed and `bounce`, so the address gets nothing more · other 5xx → failed.
 *
 * Every alert carries RFC 8058 one-click unsubscribe: `List-Unsubscribe` with the https link (and a
 * mailto) and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`. nodemailer's `list` option has no
 * Post header and its DKIM default header list leaves `List-Unsubscribe-Post` out (checked in
 * nodemailer 10.6.0 `dkim/sign.js`), so both are handled here.
 */
import type { AttemptOutcome, Channel } from '@slotwatch/channel-core';
import nodemailer from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** One-click unsubscribe for alerts; absent on the confirmation mail (nothing to leave yet). */
  unsubscribe?: { url: string; mailto?: string };
}

export interface EmailChannelOptions {
  smtpUrl: string;
  from: string;
  dkim?: { domainName: string; keySelector: string; privateKey: string };
  /** Pool size; default 5 (nodemailer's). */
  maxConnections?: number;
  /** Mails per pooled connection before it is recycled; default 100 (nodemailer's). */
  maxMessages?: number;
  /** Connect, greeting and socket timeouts; default 15 s. */
  timeoutMs?: number;
}

/** An attempt's outcome; `bounce` when the server refused the recipient for good. */
export type MailOutcome = AttemptOutcome & { bounce?: boolean };

export interface EmailChannel extends Channel<MailMessage> {
  readonly id: 'email';
  send(message: MailMessage): Promise<MailOutcome>;
  close(): void;
}

/** DKIM header fields: RFC 4871 §5.5's list (nodemailer's default) plus List-Unsubscribe-Post. */
export const DKIM_HEADER_FIELDS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:' +
  'Content-ID:Content-Description:Resent-Date:Resent-From:Resent-Sender:Resent-To:Resent-Cc:Resent-Message-ID:' +
  'In-Reply-To:References:List-Id:List-Help:List-Unsubscribe:List-Unsubscribe-Post:List-Subscribe:List-Post:' +
  'List-Owner:List-Archive';

/** The RFC 8058 headers. The https URI comes first; the mailto is a fallback for old clients. */
export function listUnsubscribeHeaders(url: string, mailto?: string): Record<string, string> {
  const uris = [`<${url}>`, ...(mailto ? [`<${mailto}>`] : [])];
  return { 'List-Unsubscribe': uris.join(', '), 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

export function createEmailChannel(options: EmailChannelOptions): EmailChannel {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const transport = nodemailer.createTransport({
    pool: true,
    url: options.smtpUrl,
    maxConnections: options.maxConnections ?? 5,
    maxMessages: options.maxMessages ?? 100,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    ...(options.dkim && { dkim: { ...options.dkim, headerFieldNames: DKIM_HEADER_FIELDS } }),
  });

  async function send(message: MailMessage): Promise<MailOutcome> {
    const started = performance.now();
    try {
      const info = (await transport.sendMail({
        from: options.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: message.unsubscribe ? listUnsubscribeHeaders(message.unsubscribe.url, message.unsubscribe.mailto) : {},
      })) as { response?: string };
      const response = String(info.response ?? '');
      return { kind: 'delivered', status: smtpCode(response), durationMs: elapsed(started), response };
    } catch (error) {
      return outcomeOf(error, elapsed(started));
    }
  }

  return { id: 'email', send, close: () => transport.close() };
}

function outcomeOf(error: unknown, durationMs: number): MailOutcome {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const status = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  // Never the recipient's address in the error text: it goes to logs and the attempt table.
  const reason = `${e.code ?? 'ERROR'}${status ? ` ${status}` : ''}: ${redactAddresses(String(e.response ?? e.message ?? error))}`.slice(0, 500);
  if (status !== undefined && status >= 500) {
    // A 5xx to RCPT TO is a hard bounce; an auth or message problem (5xx elsewhere) is ours to fix.
    return { kind: 'failed', status, durationMs, error: reason, bounce: e.code === 'EENVELOPE' };
  }
  return { kind: 'retry', status, durationMs, error: reason };
}

function smtpCode(response: string): number | undefined {
  const m = /^(\d{3})/.exec(response);
  return m ? Number(m[1]) : undefined;
}

const elapsed = (started: number) => Math.round(performance.now() - started);

/** Servers quote the refused address in their answer; that answer is stored and may be logged. */
export const redactAddresses = (text: string): string => text.replace(/[^\s<>"'@]+@[^\s<>"']+/g, '[address]');
