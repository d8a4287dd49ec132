import { describe, expect, it } from 'vitest';
import { createCircuitBreaker } from './circuit.breaker';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('circuit breaker', () => {
  it('opens after five consecutive failures and refuses calls during the cool-down', () => {
    const time = clock();
    const breaker = createCircuitBreaker({ now: time.now });
    for (let i = 0; i < 4; i++) breaker.record('wh_1', false);
    expect(breaker.state('wh_1')).toBe('closed');
    expect(breaker.canSend('wh_1')).toBe(true);
    breaker.record('wh_1', false);
    expect(breaker.state('wh_1')).toBe('open');
    expect(breaker.canSend('wh_1')).toBe(false);
    time.advance(29_999);
    expect(breaker.canSend('wh_1')).toBe(false);
  });

  it('keeps endpoints apart', () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1 });
    breaker.record('wh_dead', false);
    expect(breaker.canSend('wh_dead')).toBe(false);
    expect(breaker.canSend('wh_alive')).toBe(true);
  });

  it('counts only consecutive failures', () => {
    const breaker = createCircuitBreaker({ failureThreshold: 3 });
    breaker.record('wh_1', false);
    breaker.record('wh_1', false);
    breaker.record('wh_1', true);
    breaker.record('wh_1', false);
    breaker.record('wh_1', false);
    expect(breaker.state('wh_1')).toBe('closed');
  });

  it('lets exactly one probe through after the cool-down and closes when it succeeds', () => {
    const time = clock();
    const breaker = createCircuitBreaker({ failureThreshold: 2, coolDownMs: 10_000, now: time.now });
    breaker.record('wh_1', false);
    breaker.record('wh_1', false);
    time.advance(10_000);
    expect(breaker.state('wh_1')).toBe('half-open');
    expect(breaker.canSend('wh_1')).toBe(true);
    expect(breaker.canSend('wh_1')).toBe(false);
    breaker.record('wh_1', true);
    expect(breaker.state('wh_1')).toBe('closed');
    expect(breaker.canSend('wh_1')).toBe(true);
  });

  it('reopens for a full cool-down when the probe fails', () => {
    const time = clock();
    const breaker = createCircuitBreaker({ failureThreshold: 2, coolDownMs: 10_000, now: time.now });
    breaker.record('wh_1', false);
    breaker.record('wh_1', false);
    time.advance(10_000);
    expect(breaker.canSend('wh_1')).toBe(true);
    time.advance(2_000);
    breaker.record('wh_1', false);
    expect(breaker.state('wh_1')).toBe('open');
    time.advance(9_999);
    expect(breaker.canSend('wh_1')).toBe(false);
    time.advance(1);
    expect(breaker.canSend('wh_1')).toBe(true);
  });

  it('lets another probe through when the first never reports back', () => {
    const time = clock();
    const breaker = createCircuitBreaker({ failureThreshold: 1, coolDownMs: 10_000, now: time.now });
    breaker.record('wh_1', false);
    time.advance(10_000);
    expect(breaker.canSend('wh_1')).toBe(true);
    time.advance(5_000);
    expect(breaker.canSend('wh_1')).toBe(false);
    time.advance(5_000);
    expect(breaker.canSend('wh_1')).toBe(true);
  });
});
