/**
 * Retry timing, in one place: full-jitter exponential backoff (AWS Architecture Blog, "Exponential
 * Backoff And Jitter", 2015) and `Retry-After` parsing (RFC 9110 §10.2.3: seconds or an HTTP date).
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** Delay before retry number `attempt` (1-based): random in [0, min(max, base·2^(attempt-1))]. */
export function fullJitter(attempt: number, { baseMs, maxMs }: BackoffOptions, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}

/** `value` ± `fraction` (e.g. 0.2 for ±20 %), uniformly. */
export function withJitter(value: number, fraction: number, random = Math.random): number {
  return Math.round(value * (1 - fraction + 2 * fraction * random()));
}

/** Milliseconds the peer asked us to wait, or undefined when the header is absent or unreadable. */
export function parseRetryAfter(header: string | undefined, now: Date = new Date()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}
