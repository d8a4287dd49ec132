/**
 * The SSRF guard: a registration-time URL check (for a clear answer to the person) and an undici
 * dispatcher that checks the address actually connected to (the real protection).
 *
 * The connect-time check sits inside the DNS lookup of the socket, like Svix's `NonLocalDnsResolver`:
 * the address that is checked is the address that is dialled, so a name that answers public at
 * registration and 127.0.0.1 later (DNS rebinding) is still refused. Node's own `http.Agent` based
 * filters don't apply to undici, hence the custom `connect.lookup` (research §1f).
 */
import { lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { inspectAddress, isAllowed, type AddressVerdict } from './ssrf.policy';

export type { LookupFunction };

/** A connection or URL was refused because of where it leads. Never worth retrying. */
export class SsrfBlockedError extends Error {
  override readonly name = 'SsrfBlockedError';
  readonly code = 'ERR_SSRF_BLOCKED';
  readonly verdict: AddressVerdict['verdict'];
  readonly range: string;
  constructor(readonly host: string, readonly address: string, found: AddressVerdict, options?: { cause?: unknown }) {
    super(`refused to connect to ${host === address ? address : `${host} (${address})`}: ${refusal(found)}`, options);
    this.verdict = found.verdict;
    this.range = found.range;
  }
}

function refusal({ verdict, range }: AddressVerdict): string {
  return verdict === 'forbidden'
    ? `${range} addresses are never allowed as webhook targets`
    : `${range} addresses are refused unless private targets are allowed (allowPrivate)`;
}

export type WebhookUrlCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks a webhook URL when it is registered, so the person hears at once what is wrong. Names are
 * not resolved here (they may change); the dispatcher checks the resolved address on every connect.
 */
export function checkWebhookUrl(raw: string, { allowPrivate }: { allowPrivate: boolean }): WebhookUrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: `${JSON.stringify(raw)} is not an absolute URL; give one like https://hooks.example.com/slotwatch` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, reason: `the scheme ${JSON.stringify(url.protocol)} is not allowed; use https:// (or http://)` };
  }
  // WHATWG parsing already turned 2130706433, 0177.0.0.1 and 0x7f.1 into 127.0.0.1.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host)) {
    const found = inspectAddress(host);
    if (!isAllowed(found.verdict, allowPrivate)) return { ok: false, reason: `the host ${host} is refused: ${refusal(found)}` };
  } else if (!allowPrivate && /(^|\.)localhost\.?$/i.test(host)) {
    // RFC 6761: these names are loopback wherever they resolve.
    return { ok: false, reason: `the host ${host} is refused: loopback addresses are refused unless private targets are allowed (allowPrivate)` };
  }
  return { ok: true };
}

export interface GuardedDispatcherOptions {
  /** Allow private, loopback and CGNAT targets (self-hosted receivers, tests). Forbidden ranges stay refused. */
  allowPrivate: boolean;
  /** The resolver; a stub in tests. Defaults to node:dns `lookup` (getaddrinfo). */
  lookup?: LookupFunction;
}

/** An undici Agent that refuses, before any TCP connect, every address the policy does not allow. */
export function createGuardedDispatcher({ allowPrivate, lookup = dnsLookup as LookupFunction }: GuardedDispatcherOptions): Agent {
  const connectResolved = buildConnector({ lookup: guardedLookup(lookup, allowPrivate) });
  const connect: buildConnector.connector = (options, callback) => {
    // An IP literal never reaches the lookup (net.connect dials it directly), so judge it here.
    if (isIP(options.hostname)) {
      const found = inspectAddress(options.hostname);
      if (!isAllowed(found.verdict, allowPrivate)) {
        const error = new SsrfBlockedError(options.hostname, options.hostname, found);
        queueMicrotask(() => callback(error, null));
        return;
      }
    }
    connectResolved(options, callback);
  };
  return new Agent({ connect });
}

/** Wraps a resolver so that an answer with any refused address fails the connect. */
function guardedLookup(lookup: LookupFunction, allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, options, (error, address, family) => {
      if (error) return callback(error, address, family);
      // With autoSelectFamily (Node ≥ 20 default) net asks for all addresses and may dial any of them.
      const candidates = typeof address === 'string' ? [address] : address.map((a) => a.address);
      for (const ip of candidates) {
        const found = inspectAddress(ip);
        if (!isAllowed(found.verdict, allowPrivate)) {
          return callback(new SsrfBlockedError(hostname, ip, found), typeof address === 'string' ? '' : [], family);
        }
      }
      callback(null, address, family);
    });
  };
}
