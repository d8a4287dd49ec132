import { randomBytes, randomUUID } from 'node:crypto';
import { addDays, bookingWindow, daysBetween, isDay, localDay } from './troov.calendar';
import { objectId, slotTimes, type FakeTeam, type FakeZone } from './troov.fake-teams';

export interface FakeSlotRef {
  day: string;
  time: string;
  /** The zone; the first zone of the first team when left out. */
  serviceId?: string;
}

/** A mistake in a control call (unknown zone, a time the zone does not offer); answered 400. */
export class FakeControlError extends Error {
  override readonly name = 'FakeControlError';
}

interface Handshake {
  tokens: Set<string>;
  expiresAt: number;
}

/**
 * The fake's world, without HTTP: the clock, teams, which slots are free, sessions and handshakes.
 * Slots exist where the zone's openings put them; they are free only when seeded or opened.
 */
export class FakeTroovWorld {
  private offsetMs = 0;
  private allFree = false;
  private readonly opened = new Set<string>();
  private readonly closed = new Set<string>();
  private readonly sessions = new Map<string, { teamId: string; createdAt: number }>();
  private readonly handshakes = new Map<string, Handshake>();

  constructor(
    readonly teams: FakeTeam[],
    private readonly ttl: { sessionSeconds: number; handshakeSeconds: number },
  ) {}

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  setNow(at: Date | string): void {
    const ms = new Date(at).getTime();
    if (Number.isNaN(ms)) throw new FakeControlError(`"${String(at)}" is not a date; use ISO 8601, e.g. 2026-11-23T10:00:00-05:00`);
    this.offsetMs = ms - Date.now();
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  team(slugOrId: string): FakeTeam | undefined {
    return this.teams.find((t) => t._id === slugOrId || t.slug === slugOrId);
  }

  zone(serviceId?: string): { team: FakeTeam; zone: FakeZone } {
    for (const team of this.teams) {
      for (const zone of team.reservations_shop_availabilty) {
        if (serviceId === undefined || zone._id === serviceId) return { team, zone };
      }
    }
    const known = this.teams.flatMap((t) => t.reservations_shop_availabilty.map((z) => `${z._id} "${z.name}"`));
    throw new FakeControlError(`no zone ${serviceId ?? ''} in the fake; known: ${known.join(', ')}`);
  }

  // --- slots -------------------------------------------------------------------------------------

  setAllFree(free: boolean): void {
    this.allFree = free;
    this.opened.clear();
    this.closed.clear();
  }

  openSlot(ref: FakeSlotRef): void {
    const key = this.slotKey(ref);
    this.closed.delete(key);
    this.opened.add(key);
  }

  closeSlot(ref: FakeSlotRef): void {
    const key = this.slotKey(ref);
    this.opened.delete(key);
    this.closed.add(key);
  }

  /** Free times of a zone on a day, whether or not the day is bookable right now. */
  freeTimes(zone: FakeZone, day: string): string[] {
    return slotTimes(zone, day).filter((time) => {
      const key = `${zone._id} ${day}T${time}`;
      return this.opened.has(key) || (this.allFree && !this.closed.has(key));
    });
  }

  /** Free slots a client can see now: in the zone's window, after today (today answers `[]`). */
  freeSlots(serviceId?: string): { day: string; time: string }[] {
    return this.visibleSlots(serviceId, (zone, day) => this.freeTimes(zone, day));
  }

  /** Every slot the zone offers that a client could see now, free or not: what tests can open. */
  bookableSlots(serviceId?: string): { day: string; time: string }[] {
    return this.visibleSlots(serviceId, (zone, day) => slotTimes(zone, day));
  }

  private visibleSlots(serviceId: string | undefined, times: (zone: FakeZone, day: string) => string[]): { day: string; time: string }[] {
    const { team, zone } = this.zone(serviceId);
    const w = this.window(team, zone);
    const today = this.today(team);
    return daysBetween(w.start, w.end)
      .filter((day) => day > today)
      .flatMap((day) => times(zone, day).map((time) => ({ day, time })));
  }

  private slotKey(ref: FakeSlotRef): string {
    const { zone } = this.zone(ref.serviceId);
    if (!isDay(ref.day)) throw new FakeControlError(`day "${ref.day}" is not YYYY-MM-DD`);
    const times = slotTimes(zone, ref.day);
    if (!times.includes(ref.time)) {
      const offered = times.length ? `it offers ${times.join(', ')}` : 'it is closed that day (weekend, holiday or outside its openings)';
      throw new FakeControlError(`"${zone.name}" has no slot at ${ref.day} ${ref.time}; ${offered}`);
    }
    return `${zone._id} ${ref.day}T${ref.time}`;
  }

  // --- calendar ----------------------------------------------------------------------------------

  today(team: FakeTeam): string {
    return localDay(this.now(), team.timezone);
  }

  window(team: FakeTeam, zone: FakeZone): { start: string; end: string } {
    return bookingWindow(zone.dynamic_calendar, zone.dynamic_calendar_opening, team.timezone, this.now());
  }

  /** exclude-days: every window day without a free slot, past holidays too, in no particular order. */
  excludedDays(team: FakeTeam, zones: FakeZone[]): string[] {
    const today = this.today(team);
    const out = new Set<string>();
    for (const zone of zones) {
      const w = this.window(team, zone);
      for (const day of daysBetween(w.start, w.end)) {
        if (day <= today || this.freeTimes(zone, day).length === 0) out.add(day);
      }
      for (const day of zone.closed_days) if (day < w.start && day >= addDays(today, -366)) out.add(day);
    }
    // Upstream answers unordered (research/troov.md §1.10); a shuffle keeps clients honest.
    const days = [...out];
    for (let i = days.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [days[i], days[j]] = [days[j]!, days[i]!];
    }
    return days;
  }

  /** availability: `[]` for a wrong name, today, the past and days outside the window. */
  availability(team: FakeTeam, name: string | null, day: string | null): { time: string; rate: string; capacity: number }[] {
    const zone = team.reservations_shop_availabilty.find((z) => z.name === name);
    if (!zone || !day || !isDay(day) || day <= this.today(team)) return [];
    const w = this.window(team, zone);
    if (day < w.start || day > w.end) return [];
    return this.freeTimes(zone, day).map((time) => ({ time, rate: '0.00', capacity: 1 }));
  }

  // --- sessions and handshakes -------------------------------------------------------------------

  createSession(teamId: string): string {
    const id = objectId(this.now());
    this.sessions.set(id, { teamId, createdAt: this.now().getTime() });
    return id;
  }

  sessionValid(id: string | null | undefined, teamId: string): boolean {
    const s = id ? this.sessions.get(id) : undefined;
    return !!s && s.teamId === teamId && this.now().getTime() - s.createdAt < this.ttl.sessionSeconds * 1000;
  }

  expireSessions(): void {
    this.sessions.clear();
  }

  /** A new handshake: the app id and the first csrf token (research/troov.md §1.1 for the shapes). */
  handshake(): { appId: string; token: string } {
    const appId = `fr.gouv$+${randomBytes(24).toString('base64url')}%%${randomUUID()}-meae-ttc`;
    const token = randomBytes(24).toString('base64url');
    this.handshakes.set(appId, { tokens: new Set([token]), expiresAt: this.now().getTime() + this.ttl.handshakeSeconds * 1000 });
    return { appId, token };
  }

  /** `valid`, `expired` (a known app id past its life) or `unknown`. */
  appIdStatus(appId: string | undefined): 'valid' | 'expired' | 'unknown' {
    const hs = appId ? this.handshakes.get(appId) : undefined;
    if (!hs) return 'unknown';
    return hs.expiresAt > this.now().getTime() ? 'valid' : 'expired';
  }

  tokenValid(appId: string | undefined, token: string | undefined): boolean {
    return !!appId && !!token && (this.handshakes.get(appId)?.tokens.has(token) ?? false);
  }

  /** The session POST rotates the token; earlier ones stay accepted (what upstream does is undocumented). */
  rotateToken(appId: string): string {
    const token = randomBytes(24).toString('base64url');
    this.handshakes.get(appId)?.tokens.add(token);
    return token;
  }

  expireHandshakes(): void {
    for (const hs of this.handshakes.values()) hs.expiresAt = 0;
  }

  counts(): { sessions: number; handshakes: number } {
    return { sessions: this.sessions.size, handshakes: this.handshakes.size };
  }
}
