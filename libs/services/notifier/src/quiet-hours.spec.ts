import { describe, expect, it } from 'vitest';
import { inQuietHours, isTimeZone, quietHoursEnd } from './quiet-hours';

const paris = { start: '22:00', end: '07:00', timeZone: 'Europe/Paris' };

describe('quiet hours', () => {
  it('wraps midnight in the subscriber zone', () => {
    expect(inQuietHours(new Date('2026-12-01T20:59:00Z'), paris)).toBe(false); // 21:59 Paris
    expect(inQuietHours(new Date('2026-12-01T21:00:00Z'), paris)).toBe(true); // 22:00
    expect(inQuietHours(new Date('2026-12-02T05:59:00Z'), paris)).toBe(true); // 06:59
    expect(inQuietHours(new Date('2026-12-02T06:00:00Z'), paris)).toBe(false); // 07:00
  });

  it('ends at the next local end time, before or after midnight', () => {
    expect(quietHoursEnd(new Date('2026-12-01T22:30:00Z'), paris).toISOString()).toBe('2026-12-02T06:00:00.000Z');
    expect(quietHoursEnd(new Date('2026-12-02T03:00:00Z'), paris).toISOString()).toBe('2026-12-02T06:00:00.000Z');
    const montreal = { start: '12:00', end: '13:30', timeZone: 'America/Montreal' };
    expect(inQuietHours(new Date('2026-12-01T17:10:00Z'), montreal)).toBe(true);
    expect(quietHoursEnd(new Date('2026-12-01T17:10:00Z'), montreal).toISOString()).toBe('2026-12-01T18:30:00.000Z');
  });

  it('follows daylight saving time', () => {
    // Paris switches to summer time on 2026-03-29 at 02:00: 07:00 is then 05:00 UTC.
    expect(quietHoursEnd(new Date('2026-03-28T23:30:00Z'), paris).toISOString()).toBe('2026-03-29T05:00:00.000Z');
  });

  it('is never quiet when start equals end, and knows real zones', () => {
    expect(inQuietHours(new Date(), { start: '08:00', end: '08:00', timeZone: 'UTC' })).toBe(false);
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
