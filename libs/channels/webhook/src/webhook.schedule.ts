/**
 * When to try a failed webhook again.
 *
 * Schedule: Svix's hosted one (docs.svix.com/retries: immediately, 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 10 h), equal to the OSS default `retry_schedule = [5,300,1800,7200,18000,36000,36000]`
 * (`svix-webhooks` `server/svix-server/config.default.toml` @ 4fc0cfb8c). Eight attempts over ~27.5 h.
 * Jitter ±20 % and the 60 s floor after a timeout or 429 follow `server/svix-server/src/worker.rs`
 * (`JITTER_DELTA = 0.2`, `OVERLOAD_PENALTY_SECS = 60`).
 */
import { withJitter } from '@slotwatch/http';

/** Seconds to wait after the 1st, 2nd, … failed attempt. */
export const WEBHOOK_RETRY_SCHEDULE_S: readonly number[] = Object.freeze([5, 300, 1800, 7200, 18000, 36000, 36000]);

const JITTER_FRACTION = 0.2;
const OVERLOAD_FLOOR_MS = 60_000;

export interface RetryHints {
  /** The receiver's `Retry-After`, in ms. */
  retryAfterMs?: number;
  /** The receiver timed out or answered 429: back off at least a minute. */
  overloaded?: boolean;
}

/**
 * Delay before the next attempt after `failedAttempts` failures (1-based), or `undefined` when the
 * schedule is exhausted and the delivery should be marked failed.
 *
 * A `Retry-After` replaces the jittered delay but is clamped to [base, 2×base]: a receiver may slow
 * us down, up to double, but cannot pull a retry earlier than the schedule or park it for a week.
 */
export function nextAttemptDelayMs(failedAttempts: number, hints: RetryHints = {}, random: () => number = Math.random): number | undefined {
  if (!Number.isInteger(failedAttempts) || failedAttempts < 1) {
    throw new RangeError(`failedAttempts counts failures and starts at 1, got ${failedAttempts}`);
  }
  const baseS = WEBHOOK_RETRY_SCHEDULE_S[failedAttempts - 1];
  if (baseS === undefined) return undefined;
  const baseMs = baseS * 1000;
  const delay =
    hints.retryAfterMs !== undefined && Number.isFinite(hints.retryAfterMs)
      ? Math.min(Math.max(hints.retryAfterMs, baseMs), 2 * baseMs)
      : withJitter(baseMs, JITTER_FRACTION, random);
  return hints.overloaded ? Math.max(delay, OVERLOAD_FLOOR_MS) : delay;
}
