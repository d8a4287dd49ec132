import { randomUUID } from 'node:crypto';
import { isDay } from './bayimco.config';
import { fakeSites, type FakeAccount } from './bayimco.fake-data';
import { FakeControlError } from './bayimco.fake-realm';
import { isoWithOffset, localDay } from './bayimco.time';

/** An appointment the fake can hand out on appointments/next. */
export interface FakeAppointment {
  id: string;
  /** First dose, Bavarian wall clock. */
  date: string;
  time: string;
  secondDate: string;
  secondTime: string;
  vaccineId: string;
  siteId: string;
  /** Only this citizen may get it (e.g. an age-dependent vaccine, §5.1); anyone when left out. */
  citizenId?: string;
}

export type FakeAppointmentInput = Partial<Omit<FakeAppointment, 'id'>>;

/** normal; slow500: appointments/next hangs, then 500 (under load, §4.3); down: every API call 503. */
export type FakeMode = 'normal' | 'slow500' | 'down';

export interface FakeRateLimit {
  calls: number;
  perSeconds: number;
  /** The spec does not know the key (§8); the fake counts per citizen unless told per account. */
  per?: 'citizen' | 'account';
}

/** Every appointments/next answer holds the slot for the citizen for 10 minutes (§4.4). */
const HOLD_MS = 10 * 60_000;
const TZ = 'Europe/Berlin';

/** The API side of the fake, without HTTP: clock, accounts, offered appointments, holds, rate limit. */
export class FakeBayimcoWorld {
  private offsetMs = 0;
  readonly accounts = new Map<string, FakeAccount>();
  private appointments: FakeAppointment[] = [];
  private readonly holds = new Map<string, { citizenId: string; until: number }>();
  private readonly hits = new Map<string, number[]>();
  mode: FakeMode = 'normal';

  constructor(
    accounts: FakeAccount[],
    public rateLimit: FakeRateLimit | null,
    public slowMs: number,
  ) {
    for (const a of accounts) this.accounts.set(a.username, { ...a, citizens: a.citizens.map((c) => ({ ...c, id: c.id.toUpperCase() })) });
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  setNow(at: Date | string): void {
    const ms = new Date(at).getTime();
    if (Number.isNaN(ms)) throw new FakeControlError(`"${String(at)}" is not a date; use ISO 8601, e.g. 2021-04-06T10:00:00+02:00`);
    this.offsetMs = ms - Date.now();
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  account(username?: string): FakeAccount {
    const account = username === undefined ? this.accounts.values().next().value : this.accounts.get(username);
    if (!account) throw new FakeControlError(`no account "${username}" in the fake; known: ${[...this.accounts.keys()].join(', ')}`);
    return account;
  }

  owner(citizenId: string): FakeAccount | undefined {
    const id = citizenId.toUpperCase();
    return [...this.accounts.values()].find((a) => a.citizens.some((c) => c.id === id));
  }

  offer(input: FakeAppointmentInput = {}): FakeAppointment {
    const today = localDay(this.now(), TZ);
    const date = input.date ?? addDays(today, 7);
    for (const [name, day] of [['date', date], ['secondDate', input.secondDate]] as const) {
      if (day !== undefined && !isDay(day)) throw new FakeControlError(`${name} "${day}" is not a date; use YYYY-MM-DD`);
    }
    const siteId = (input.siteId ?? fakeSites()[0]!.id).toUpperCase();
    if (!fakeSites().some((s) => s.id === siteId)) throw new FakeControlError(`no site ${siteId}; known: ${fakeSites().map((s) => s.id).join(', ')}`);
    const time = input.time ?? '14:35';
    if (!/^\d{2}:\d{2}$/.test(time)) throw new FakeControlError(`time "${time}" is not HH:MM`);
    const appointment: FakeAppointment = {
      id: randomUUID(),
      date,
      time,
      secondDate: input.secondDate ?? addDays(date, 42),
      secondTime: input.secondTime ?? time,
      vaccineId: input.vaccineId ?? '002',
      siteId,
      citizenId: input.citizenId?.toUpperCase(),
    };
    this.appointments.push(appointment);
    return appointment;
  }

  clear(): void {
    this.appointments = [];
    this.holds.clear();
  }

  offered(): (FakeAppointment & { heldBy: string | null; heldUntil: string | null })[] {
    const at = this.now().getTime();
    return this.appointments.map((a) => {
      const hold = this.holds.get(a.id);
      const live = hold && hold.until > at ? hold : undefined;
      return { ...a, heldBy: live?.citizenId ?? null, heldUntil: live ? isoWithOffset(new Date(live.until), TZ) : null };
    });
  }

  /** Count a call against the limit; true when it is past it (and so answered 404). */
  overLimit(citizenId: string, username: string): boolean {
    const limit = this.rateLimit;
    if (!limit) return false;
    const key = limit.per === 'account' ? `account:${username}` : `citizen:${citizenId.toUpperCase()}`;
    const at = this.now().getTime();
    const hits = (this.hits.get(key) ?? []).filter((t) => t > at - limit.perSeconds * 1000);
    hits.push(at);
    this.hits.set(key, hits);
    return hits.length > limit.calls;
  }

  resetLimits(): void {
    this.hits.clear();
  }

  /** What appointments/next finds for a citizen, held for it for 10 minutes; a repeat call gets the same one. */
  next(citizenId: string, query: { lastDate: string | null; possibleSiteId: string | null }): (FakeAppointment & { expiresAt: string }) | undefined {
    const id = citizenId.toUpperCase();
    const at = this.now().getTime();
    const site = query.possibleSiteId?.toUpperCase();
    const fits = (a: FakeAppointment) =>
      (!a.citizenId || a.citizenId === id) && (!site || a.siteId === site) && (!query.lastDate || a.date >= query.lastDate);
    const free = (a: FakeAppointment) => {
      const hold = this.holds.get(a.id);
      return !hold || hold.until <= at || hold.citizenId === id;
    };
    const candidates = this.appointments.filter((a) => fits(a) && free(a));
    const mine = candidates.find((a) => this.holds.get(a.id)?.citizenId === id && this.holds.get(a.id)!.until > at);
    const pick = mine ?? candidates.sort((a, b) => `${a.date}T${a.time}`.localeCompare(`${b.date}T${b.time}`))[0];
    if (!pick) return undefined;
    const until = mine ? this.holds.get(pick.id)!.until : at + HOLD_MS;
    this.holds.set(pick.id, { citizenId: id, until });
    return { ...pick, expiresAt: isoWithOffset(new Date(until), TZ) };
  }
}

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
