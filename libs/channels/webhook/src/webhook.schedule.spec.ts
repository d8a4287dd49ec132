import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextAttemptDelayMs, WEBHOOK_RETRY_SCHEDULE_S } from './webhook.schedule';

describe('webhook retry schedule', () => {
  it('follows the Svix schedule 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h', () => {
    expect(WEBHOOK_RETRY_SCHEDULE_S).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    const middle = () => 0.5;
    expect(WEBHOOK_RETRY_SCHEDULE_S.map((_, i) => nextAttemptDelayMs(i + 1, {}, middle))).toEqual([
      5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
  });

  it('keeps every delay within ±20 % of the schedule', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, r) => {
        const base = WEBHOOK_RETRY_SCHEDULE_S[n - 1]! * 1000;
        const delay = nextAttemptDelayMs(n, {}, () => r)!;
        expect(delay).toBeGreaterThanOrEqual(base * 0.8);
        expect(delay).toBeLessThanOrEqual(base * 1.2);
      }),
    );
    expect(nextAttemptDelayMs(2, {}, () => 0)).toBe(240_000);
    expect(nextAttemptDelayMs(2, {}, () => 1)).toBe(360_000);
  });

  it('gives up after the seventh failure', () => {
    expect(nextAttemptDelayMs(7)).toBeDefined();
    expect(nextAttemptDelayMs(8)).toBeUndefined();
    expect(nextAttemptDelayMs(100)).toBeUndefined();
  });

  it('clamps Retry-After to between the scheduled delay and twice it', () => {
    expect(nextAttemptDelayMs(2, { retryAfterMs: 1_000 })).toBe(300_000);
    expect(nextAttemptDelayMs(2, { retryAfterMs: 450_000 })).toBe(450_000);
    expect(nextAttemptDelayMs(2, { retryAfterMs: 99_999_000 })).toBe(600_000);
    expect(nextAttemptDelayMs(1, { retryAfterMs: 99_999_000 })).toBe(10_000);
  });

  it('waits at least 60 s after a 429 or a timeout', () => {
    expect(nextAttemptDelayMs(1, { overloaded: true, retryAfterMs: 1_000 })).toBe(60_000);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (r) => {
        expect(nextAttemptDelayMs(1, { overloaded: true }, () => r)).toBe(60_000);
        expect(nextAttemptDelayMs(2, { overloaded: true }, () => r)).toBeGreaterThanOrEqual(240_000);
      }),
    );
  });

  it('rejects a failure count below one', () => {
    expect(() => nextAttemptDelayMs(0)).toThrow(RangeError);
    expect(() => nextAttemptDelayMs(1.5)).toThrow(RangeError);
  });
});
