import { describe, expect, it } from 'vitest';
import { fingerprint } from './diff.repository';
import { healthState } from './differ.logic';
import { slot } from './diff.fixtures';

describe('healthState', () => {
  it('says available when slots are open and none only after a complete check found nothing', () => {
    expect(healthState(true, 'ok', 3, false)).toBe('available');
    expect(healthState(true, 'partial', 3, false)).toBe('available');
    expect(healthState(true, 'ok', 0, false)).toBe('none');
  });

  it.each(['error', 'blocked', 'rate_limited', 'auth_failed'] as const)('says unknown, never none, after a check that says %s', (status) => {
    expect(healthState(false, status, 0, false)).toBe('unknown');
    expect(healthState(false, status, 4, false)).toBe('unknown');
  });

  it('says unknown after a partial check with nothing open, or while a mass closure is held', () => {
    expect(healthState(true, 'partial', 0, false)).toBe('unknown');
    expect(healthState(true, 'ok', 6, true)).toBe('unknown');
  });
});

describe('fingerprint', () => {
  it('changes with the start, the scope unit or any attribute, and with nothing else', () => {
    const base = slot('2026-12-01', '09:15', { capacity: 1 });
    expect(fingerprint({ ...base })).toBe(fingerprint(base));
    expect(fingerprint({ ...base, key: 'other' })).toBe(fingerprint(base));
    expect(fingerprint({ ...base, attributes: { capacity: 2 } })).not.toBe(fingerprint(base));
    expect(fingerprint({ ...base, startsAt: '2026-12-01T09:15:00-04:00' })).not.toBe(fingerprint(base));
    expect(fingerprint({ ...base, scopeKey: '2026-12-02' })).not.toBe(fingerprint(base));
    expect(Number.isSafeInteger(fingerprint(base))).toBe(true);
  });
});
