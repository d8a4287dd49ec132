/**
 * An SMTP sink for tests and the end-to-end suite: a real SMTP server (`smtp-server`) on loopback that
 * parses every mail with `mailparser` and keeps it. It can refuse recipients for good (550, a hard
 * bounce), fail the next mails for now (451), and counts connections (the pool bar: ≤ 5 at once).
 */
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  /** Envelope recipients. */
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Raw header values by lower-case name (unfolded), e.g. `list-unsubscribe-post`. */
  headers: Record<string, string>;
  raw: string;
  at: Date;
}

export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>` */
  readonly url: string;
  received(): ReceivedMail[];
  /** Mails whose envelope includes this address. */
  to(address: string): ReceivedMail[];
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Recipients matching this are refused with 550 (a hard bounce). */
  rejectRecipients(predicate: ((address: string) => boolean) | undefined): void;
  /** The next `n` mails are refused with 451 at DATA (a temporary failure). */
  failNext(n: number): void;
  connections(): { total: number; maxConcurrent: number };
  reset(): void;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const waiters = new Set<(mail: ReceivedMail) => void>();
  let reject: ((address: string) => boolean) | undefined;
  let failures = 0;
  let open = 0;
  let total = 0;
  let maxConcurrent = 0;

  const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      open += 1;
      total += 1;
      maxConcurrent = Math.max(maxConcurrent, open);
      callback();
    },
    onClose() {
      open -= 1;
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      if (reject?.(address.address)) return callback(smtpError(550, '5.1.1 mailbox unavailable'));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (failures > 0) {
          failures -= 1;
          return callback(smtpError(451, '4.3.0 try again later'));
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            const headers: Record<string, string> = {};
            for (const { key, line } of parsed.headerLines) {
              headers[key] = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
            }
            const mail: ReceivedMail = {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              headers,
              raw: raw.toString('utf8'),
              at: new Date(),
            };
            mails.push(mail);
            for (const waiter of waiters) waiter(mail);
            callback();
          })
          .catch((error: unknown) => callback(error as Error));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    received: () => [...mails],
    to: (address) => mails.filter((m) => m.to.includes(address)),
    waitFor(predicate, timeoutMs = 10_000) {
      const found = mails.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, rejectWait) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          rejectWait(new Error(`no matching mail within ${timeoutMs} ms (${mails.length} received)`));
        }, timeoutMs);
        const waiter = (mail: ReceivedMail) => {
          if (!predicate(mail)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(mail);
        };
        waiters.add(waiter);
      });
    },
    rejectRecipients: (predicate) => void (reject = predicate),
    failNext: (n) => void (failures = n),
    connections: () => ({ total, maxConcurrent }),
    reset() {
      mails.length = 0;
      failures = 0;
      reject = undefined;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
