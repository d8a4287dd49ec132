import { isIP, type LookupFunction } from 'node:net';

/** Fixed answers by name, or a function of the name and how many lookups came before (for rebinding). */
export type StubAnswers = Record<string, readonly string[]> | ((hostname: string, call: number) => readonly string[] | undefined);

export type StubResolver = LookupFunction & { readonly calls: string[] };

/**
 * A resolver for the SSRF tests: answers from a table and never touches the network, so a test can
 * make any name point at any range without sending a packet there. Unknown names fail like getaddrinfo.
 */
export function stubResolver(answers: StubAnswers): StubResolver {
  const calls: string[] = [];
  const lookup: LookupFunction = (hostname, options, callback) => {
    const found = typeof answers === 'function' ? answers(hostname, calls.length) : answers[hostname];
    calls.push(hostname);
    process.nextTick(() => {
      if (!found || found.length === 0) {
        const error: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
        return callback(error, '', 0);
      }
      const all = found.map((address) => ({ address, family: isIP(address) }));
      if (options.all) return callback(null, all);
      const first = all[0]!;
      callback(null, first.address, first.family);
    });
  };
  return Object.assign(lookup, { calls });
}
