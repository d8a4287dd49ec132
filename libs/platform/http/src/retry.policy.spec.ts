import { describe, expect, it } from 'vitest';
import { fullJitter, parseRetryAfter, withJitter } from './retry.policy';

describe('retry policy', () => {
  it('caps full-jitter backoff at the maximum', () => {
    expect(fullJitter(20, { baseMs: 100, maxMs: 5000 }, () => 1)).toBe(5000);
    expect(fullJitter(3, { baseMs: 100, maxMs: 5000 }, () => 1)).toBe(400);
    expect(fullJitter(3, { baseMs: 100, maxMs: 5000 }, () => 0)).toBe(0);
  });
  it('keeps jitter within ±fraction', () => {
    expect(withJitter(1000, 0.2, () => 0)).toBe(800);
    expect(withJitter(1000, 0.2, () => 1)).toBe(1200);
  });
  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = new Date('2026-11-23T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
