import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addDays, bookingWindow, daysBetween, isDay, localDay, localTime, zonedIso } from './troov.calendar';

const ZONES = ['America/Montreal', 'Europe/Paris', 'Africa/Kinshasa', 'Asia/Yerevan', 'America/Bogota', 'Australia/Lord_Howe', 'Asia/Kolkata'];

describe('troov calendar', () => {
  it('gives Montréal slots the offset of their own date around both DST changes', () => {
    // 2026: clocks go forward on Sunday 8 March and back on Sunday 1 November.
    expect(zonedIso('2026-03-06', '09:00', 'America/Montreal')).toBe('2026-03-06T09:00:00-05:00');
    expect(zonedIso('2026-03-09', '09:00', 'America/Montreal')).toBe('2026-03-09T09:00:00-04:00');
    expect(zonedIso('2026-10-30', '15:15', 'America/Montreal')).toBe('2026-10-30T15:15:00-04:00');
    expect(zonedIso('2026-11-02', '08:45', 'America/Montreal')).toBe('2026-11-02T08:45:00-05:00');
  });

  it('takes the first of a twice-occurring time and moves a skipped time past the gap', () => {
    expect(zonedIso('2026-11-01', '01:30', 'America/Montreal')).toBe('2026-11-01T01:30:00-04:00');
    expect(zonedIso('2026-03-08', '02:30', 'America/Montreal')).toBe('2026-03-08T03:30:00-04:00');
  });

  it('handles zones with half-hour offsets and no DST', () => {
    expect(zonedIso('2026-06-15', '10:00', 'Asia/Kolkata')).toBe('2026-06-15T10:00:00+05:30');
    expect(zonedIso('2026-06-15', '10:00', 'Africa/Kinshasa')).toBe('2026-06-15T10:00:00+01:00');
  });

  it('keeps every startsAt on its local day and time in its zone', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 15 * 366 }),
        // 03:00 onward: no zone here skips a wall-clock time after 03:00.
        fc.integer({ min: 3 * 60, max: 24 * 60 - 1 }),
        fc.constantFrom(...ZONES),
        (dayOffset, minute, zone) => {
          const day = addDays('2020-01-01', dayOffset);
          const time = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
          const iso = zonedIso(day, time, zone);
          expect(iso.startsWith(`${day}T${time}:00`)).toBe(true);
          const at = new Date(iso);
          expect(localDay(at, zone)).toBe(day);
          expect(localTime(at, zone)).toBe(time);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('releases the newest day at the zone opening time', () => {
    const calendar = { begin: { value: 0 }, end: { value: 42 } };
    const opening = { hour: '18', minute: '0' };
    const before = bookingWindow(calendar, opening, 'America/Montreal', new Date('2026-11-23T17:59:00-05:00'));
    const after = bookingWindow(calendar, opening, 'America/Montreal', new Date('2026-11-23T18:00:00-05:00'));
    expect(before).toEqual({ start: '2026-11-23', end: '2027-01-03' });
    expect(after).toEqual({ start: '2026-11-23', end: '2027-01-04' });
  });

  it('counts days in the zone, not in UTC', () => {
    // 21:00 in Montréal is already the next day in UTC.
    expect(localDay(new Date('2026-11-23T21:00:00-05:00'), 'America/Montreal')).toBe('2026-11-23');
    expect(daysBetween('2026-12-30', '2027-01-02')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
    expect(isDay('2026-02-29')).toBe(false);
    expect(isDay('2028-02-29')).toBe(true);
  });
});
