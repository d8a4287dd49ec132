/**
 * A per-endpoint circuit breaker (key = webhook id).
 *
 * Its job: while a receiver is dead, it is not called at all. Every call to a dead receiver holds a
 * dispatcher slot for up to the 15 s timeout; a few dead endpoints with many due deliveries would
 * otherwise fill the in-flight budget and slow delivery to every healthy receiver. The retry
 * schedule still decides *when* a delivery is retried; the breaker only decides whether the peer is
 * worth calling right now.
 *
 * closed → (N consecutive failures) → open → (cool-down) → half-open: one probe goes through;
 * its success closes the circuit, its failure opens it for another cool-down.
 * State is in memory, per process: each dispatcher learns on its own within N failures, which is
 * cheap, and nothing is lost on restart that the retry schedule does not already cover.
 * The 30 s cool-down is Convoy's `circuit_breaker.error_timeout` default (`frain-dev/convoy`
 * `docs/generated/config-reference.json` @ 11a220df); Convoy trips on 10 consecutive failures, we on 5.
 */

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long an open circuit refuses calls before letting one probe through. Default 30 s. */
  coolDownMs?: number;
  /** Clock in ms; injectable for tests. */
  now?: () => number;
}

export interface CircuitBreaker {
  /** May a call go to this endpoint now? In half-open this answers true once, for the probe. */
  canSend(key: string): boolean;
  /** The outcome of a call that was made. */
  record(key: string, ok: boolean): void;
  state(key: string): CircuitState;
}

interface Entry {
  failures: number;
  openedAt?: number;
  /** When the half-open probe was let through; undefined while no probe is out. */
  probeAt?: number;
}

export function createCircuitBreaker({ failureThreshold = 5, coolDownMs = 30_000, now = Date.now }: CircuitBreakerOptions = {}): CircuitBreaker {
  if (!Number.isInteger(failureThreshold) || failureThreshold < 1) {
    throw new RangeError(`failureThreshold must be a whole number ≥ 1, got ${failureThreshold}`);
  }
  const entries = new Map<string, Entry>();

  return {
    canSend(key) {
      const entry = entries.get(key);
      if (entry?.openedAt === undefined) return true;
      const t = now();
      // A probe whose outcome never came back (process busy, caller aborted) must not wedge the
      // circuit half-open forever: after another cool-down, the next caller probes instead.
      const since = entry.probeAt ?? entry.openedAt;
      if (t - since < coolDownMs) return false;
      entry.probeAt = t;
      return true;
    },

    record(key, ok) {
      if (ok) {
        entries.delete(key);
        return;
      }
      const entry = entries.get(key) ?? { failures: 0 };
      entry.failures += 1;
      if (entry.probeAt !== undefined || entry.failures >= failureThreshold) {
        entry.openedAt = now();
        entry.probeAt = undefined;
      }
      entries.set(key, entry);
    },

    state(key) {
      const entry = entries.get(key);
      if (entry?.openedAt === undefined) return 'closed';
      if (entry.probeAt !== undefined || now() - entry.openedAt >= coolDownMs) return 'half-open';
      return 'open';
    },
  };
}
