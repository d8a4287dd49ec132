/**
 * Which addresses a webhook may reach. Modelled on Svix's `is_allowed()`
 * (`server/svix-server/src/core/webhook_http_client.rs` @ 4fc0cfb8): canonicalize IPv4-mapped IPv6,
 * then refuse everything that is not global unicast. Two grades of "no":
 * - `private`: internal but sometimes wanted (a self-hosted receiver on the LAN, tests on 127.0.0.1);
 *   allowed only when the operator sets `allowPrivate`.
 * - `forbidden`: never a webhook receiver, and reaching it is the classic SSRF payoff (cloud metadata,
 *   link-local, multicast, broadcast, unspecified). Refused even with `allowPrivate`.
 */
import ipaddr from 'ipaddr.js';

export type AddressClass = 'public' | 'private' | 'forbidden';

type Range = { cidr: [ipaddr.IPv4 | ipaddr.IPv6, number]; name: string };
const table = (entries: Record<string, string>): Range[] =>
  Object.entries(entries).map(([cidr, name]) => ({ cidr: ipaddr.parseCIDR(cidr), name }));

const V4_FORBIDDEN = table({
  '0.0.0.0/32': 'unspecified',
  '169.254.169.254/32': 'cloud metadata (AWS, GCP, Azure)',
  '169.254.0.0/16': 'link-local',
  '100.100.100.200/32': 'cloud metadata (Alibaba)',
  '224.0.0.0/4': 'multicast',
  '255.255.255.255/32': 'broadcast',
});
const V4_PRIVATE = table({
  '0.0.0.0/8': '"this network"',
  '10.0.0.0/8': 'private (RFC 1918)',
  '172.16.0.0/12': 'private (RFC 1918)',
  '192.168.0.0/16': 'private (RFC 1918)',
  '127.0.0.0/8': 'loopback',
  '100.64.0.0/10': 'carrier-grade NAT (RFC 6598)',
  '192.0.0.0/24': 'IETF protocol assignments',
  '192.0.2.0/24': 'documentation',
  '198.51.100.0/24': 'documentation',
  '203.0.113.0/24': 'documentation',
  '198.18.0.0/15': 'benchmarking',
  '240.0.0.0/4': 'reserved',
});
const V6_FORBIDDEN = table({
  '::/128': 'unspecified',
  'fd00:ec2::254/128': 'cloud metadata (AWS)',
  'fe80::/10': 'link-local',
  'ff00::/8': 'multicast',
});
/** Prefixes that carry an IPv4 address in their low 32 bits (NAT64, SIIT): as bad as that address, and never public. */
const V6_EMBEDDING_LOW32 = table({
  '64:ff9b::/96': 'NAT64',
  '64:ff9b:1::/48': 'local NAT64',
  '::ffff:0:0:0/96': 'IPv4-translated (SIIT)',
});
const V6_PRIVATE = table({
  '::1/128': 'loopback',
  'fc00::/7': 'unique-local',
  'fec0::/10': 'site-local (deprecated)',
  '2002::/16': '6to4',
  '2001::/32': 'Teredo',
  '100::/64': 'discard',
  '2001:db8::/32': 'documentation',
  '3fff::/20': 'documentation',
  '2001:2::/48': 'benchmarking',
  '5f00::/16': 'segment routing',
});
const V6_GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');
const V6_6TO4 = ipaddr.parseCIDR('2002::/16');

/** The verdict on one address and the name of the range that decided it (for error messages). */
export interface AddressVerdict {
  verdict: AddressClass;
  range: string;
}

/** Classifies an IP address; an unparseable string is `forbidden` (fail closed). */
export function classifyAddress(ip: string): AddressClass {
  return inspectAddress(ip).verdict;
}

export function inspectAddress(ip: string): AddressVerdict {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.parse(ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip);
  } catch {
    return { verdict: 'forbidden', range: 'not an IP address' };
  }
  return addr.kind() === 'ipv4' ? inspectV4(addr as ipaddr.IPv4) : inspectV6(addr as ipaddr.IPv6);
}

function inspectV4(addr: ipaddr.IPv4): AddressVerdict {
  const forbidden = find(addr, V4_FORBIDDEN);
  if (forbidden) return { verdict: 'forbidden', range: forbidden };
  const internal = find(addr, V4_PRIVATE);
  return internal ? { verdict: 'private', range: internal } : { verdict: 'public', range: 'global unicast' };
}

function inspectV6(addr: ipaddr.IPv6): AddressVerdict {
  // ::ffff:a.b.c.d is a.b.c.d on a dual-stack socket: judge the IPv4 address itself.
  if (addr.isIPv4MappedAddress()) {
    const inner = inspectV4(addr.toIPv4Address());
    return { verdict: inner.verdict, range: `IPv4-mapped ${inner.range}` };
  }
  const forbidden = find(addr, V6_FORBIDDEN);
  if (forbidden) return { verdict: 'forbidden', range: forbidden };
  const embedding = find(addr, V6_EMBEDDING_LOW32);
  if (embedding) {
    const [hi = 0, lo = 0] = addr.parts.slice(6);
    const inner = inspectV4(new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]));
    return { verdict: inner.verdict === 'forbidden' ? 'forbidden' : 'private', range: `${embedding} of ${inner.range}` };
  }
  if (addr.match(V6_6TO4)) {
    // 6to4 carries its IPv4 gateway in bits 16–47: 2002:a9fe:a9fe:: leads to 169.254.169.254.
    const [, hi = 0, lo = 0] = addr.parts;
    const inner = inspectV4(new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]));
    if (inner.verdict === 'forbidden') return { verdict: 'forbidden', range: `6to4 of ${inner.range}` };
  }
  const internal = find(addr, V6_PRIVATE);
  if (internal) return { verdict: 'private', range: internal };
  // Only 2000::/3 is allocated for global unicast; the rest (IPv4-compatible ::a.b.c.d, ...) is not a receiver.
  if (!addr.match(V6_GLOBAL_UNICAST)) return { verdict: 'private', range: 'reserved' };
  return { verdict: 'public', range: 'global unicast' };
}

function find(addr: ipaddr.IPv4 | ipaddr.IPv6, ranges: Range[]): string | undefined {
  return ranges.find((r) => r.cidr[0].kind() === addr.kind() && addr.match(r.cidr))?.name;
}

/** True when a connection to an address of this class may go ahead. */
export function isAllowed(verdict: AddressClass, allowPrivate: boolean): boolean {
  return verdict === 'public' || (verdict === 'private' && allowPrivate);
}
