import { describe, expect, it } from 'vitest';
import { classifyAddress, inspectAddress } from './ssrf.policy';

describe('SSRF address policy', () => {
  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.215.14',
    '100.63.255.255',
    '100.128.0.0',
    '2606:4700:4700::1111',
    '2a00:1450:4001:82a::200e',
    '::ffff:8.8.8.8',
  ])('treats %s as public', (ip) => {
    expect(classifyAddress(ip)).toBe('public');
  });

  it.each([
    ['10.1.2.3', 'private (RFC 1918)'],
    ['172.16.0.1', 'private (RFC 1918)'],
    ['172.31.255.255', 'private (RFC 1918)'],
    ['192.168.1.1', 'private (RFC 1918)'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['100.64.0.1', 'carrier-grade NAT (RFC 6598)'],
    ['100.127.255.254', 'carrier-grade NAT (RFC 6598)'],
    ['0.1.2.3', '"this network"'],
    ['198.18.0.1', 'benchmarking'],
    ['192.0.2.10', 'documentation'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private (RFC 1918)'],
    ['::ffff:100.64.0.1', 'IPv4-mapped carrier-grade NAT (RFC 6598)'],
    ['64:ff9b::8.8.8.8', 'NAT64 of global unicast'],
    ['64:ff9b::a00:1', 'NAT64 of private (RFC 1918)'],
    ['2002:7f00:1::1', '6to4'],
    ['::7f00:1', 'reserved'],
  ])('treats %s as private (%s)', (ip, range) => {
    expect(inspectAddress(ip)).toEqual({ verdict: 'private', range });
  });

  it.each([
    ['169.254.169.254', 'cloud metadata (AWS, GCP, Azure)'],
    ['169.254.1.1', 'link-local'],
    ['100.100.100.200', 'cloud metadata (Alibaba)'],
    ['fd00:ec2::254', 'cloud metadata (AWS)'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['::ffff:169.254.169.254', 'IPv4-mapped cloud metadata (AWS, GCP, Azure)'],
    ['::ffff:0.0.0.0', 'IPv4-mapped unspecified'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of cloud metadata (AWS, GCP, Azure)'],
    ['2002:a9fe:a9fe::1', '6to4 of cloud metadata (AWS, GCP, Azure)'],
    ['not-an-ip', 'not an IP address'],
  ])('forbids %s (%s)', (ip, range) => {
    expect(inspectAddress(ip)).toEqual({ verdict: 'forbidden', range });
  });
});
