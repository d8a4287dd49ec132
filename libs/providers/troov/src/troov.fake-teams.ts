import { randomBytes } from 'node:crypto';
import { weekday } from './troov.calendar';

/**
 * Teams and zones for the fake, shaped like the real team object (research/troov.md §1.4): the
 * fields the fake computes with are typed, the rest is carried so clients see a realistic answer.
 */

export interface FakeOpening {
  _id: string;
  /** 0 = Sunday … 6 = Saturday; TROOV uses 1..5 for Monday..Friday. */
  day: number;
  begin_h: number;
  begin_m: number;
  end_h: number;
  end_m: number;
}

export interface FakeZone {
  _id: string;
  name: string;
  is_open: boolean;
  dynamic_calendar_enabled: boolean;
  dynamic_calendar: { begin: { type: 'days'; value: number }; end: { type: 'days'; value: number } };
  /** Local time the next day is released, strings as upstream sends them. */
  dynamic_calendar_opening: { hour: string; minute: string };
  openings: FakeOpening[];
  /** An array of arrays, as upstream has it. */
  breaktimes: FakeOpening[][];
  closed_days: string[];
  session_duration: number;
  start_opening: string;
  end_opening: string;
  [field: string]: unknown;
}

export interface FakeTeam {
  _id: string;
  name: string;
  slug: string;
  timezone: string;
  reservations_shop_availabilty: FakeZone[];
  [field: string]: unknown;
}

/** A MongoDB-style ObjectId: 4 bytes of seconds since the epoch, then 8 random bytes, in hex. */
export function objectId(at: Date = new Date()): string {
  const seconds = Math.floor(at.getTime() / 1000).toString(16).padStart(8, '0');
  return seconds + randomBytes(8).toString('hex');
}

const span = (day: number, begin: string, end: string): FakeOpening => {
  const [bh, bm] = begin.split(':').map(Number) as [number, number];
  const [eh, em] = end.split(':').map(Number) as [number, number];
  return { _id: objectId(), day, begin_h: bh, begin_m: bm, end_h: eh, end_m: em };
};

const WEEKDAYS = [1, 2, 3, 4, 5];

const horizon = (begin: number, end: number): FakeZone['dynamic_calendar'] => ({
  begin: { type: 'days', value: begin },
  end: { type: 'days', value: end },
});

/** French public holidays a consulate closes on, around `year`. */
export function holidays(year: number): string[] {
  return [year - 1, year, year + 1].flatMap((y) => [`${y}-01-01`, `${y}-07-14`, `${y}-11-11`, `${y}-12-25`]);
}

/** A zone with the Montréal passport calendar's shape; override what a test needs. */
export function fakeZone(fields: Partial<FakeZone> & { _id?: string; name: string }, year = new Date().getUTCFullYear()): FakeZone {
  return {
    _id: fields._id ?? objectId(),
    is_open: true,
    is_open_internal: true,
    stand_alone_calendar: false,
    dynamic_calendar_enabled: true,
    dynamic_calendar: horizon(0, 42),
    dynamic_calendar_opening: { hour: '18', minute: '0' },
    dynamic_calendar_ending: { hour: 'default', minute: 'default' },
    cancel_limit: { type: 'days', value: 0 },
    openings: WEEKDAYS.map((d) => span(d, '08:45', '15:30')),
    breaktimes: [WEEKDAYS.map((d) => span(d, '13:00', '14:00'))],
    custom_openings: [],
    closed_days: holidays(year),
    session_type: 'people',
    session_duration: 15,
    session_reservation_max: 1000,
    session_people_max: 2,
    reservation_people_max: 1,
    reservation_delay_hours: 0,
    start_opening: `${year - 1}-01-01`,
    end_opening: '2099-01-01',
    is_priority: false,
    enable_fullday_slots: false,
    enable_external_url: false,
    external_url: '',
    note: { fr: '', en: '' },
    custom_fields: [],
    session_price: 0,
    has_paid_reservation: false,
    activate_waiting_list: false,
    ...fields,
  };
}

/** A team around its zones; fields from the Montréal page dumps (research/troov.md §1.4). */
export function fakeTeam(
  fields: Partial<FakeTeam> & Pick<FakeTeam, 'name' | 'slug' | 'timezone' | 'reservations_shop_availabilty'>,
): FakeTeam {
  return {
    _id: fields._id ?? objectId(),
    type: { _id: '61aa0796f6373e04f931616d', name: 'other', label: 'Autre lieu privé', background: '#ffffff' },
    address: '',
    city: '',
    country: '',
    country_code: '',
    static_slug: fields.slug,
    teams_sibling: [],
    enable_only_reservation: true,
    has_paid_reservation: false,
    family_reservation_theme: 'CLASSIC',
    enable_reservation_shop: true,
    reservation_shop_display_name: 'Calendriers',
    ...fields,
  };
}

/** The Montréal consulate with the ids and names seen in public bots (research/troov.md §3). */
export function montrealTeam(year?: number): FakeTeam {
  return fakeTeam({
    _id: '61f924e90b0582a933ff3e7c',
    name: 'Consulat général de France à Montréal',
    slug: 'consulat-general-de-france-a-montreal',
    timezone: 'America/Montreal',
    city: 'Montréal',
    country: 'Canada',
    country_code: 'CA',
    reservations_shop_availabilty: [
      fakeZone({ _id: '623e3c5319ec2e40dcf76397', name: 'Demande de passeport/CNI' }, year),
      fakeZone({ _id: '61f937bb416883a92dfc1c3b', name: 'DEMANDE DE CNI/PASSEPORT (20)', is_open: false }, year),
      fakeZone({ _id: '61f953226dd45bff30f01db0', name: 'RETRAIT DE CNI/PASSEPORT', dynamic_calendar: horizon(0, 15) }, year),
      fakeZone({ _id: '61f955a5456683ff9569d0bc', name: 'Etat civil', session_duration: 20, dynamic_calendar: horizon(1, 30) }, year),
    ],
  });
}

/** Kinshasa, a second zone in another time zone (research/troov.md §3, visaflow). */
export function kinshasaTeam(year?: number): FakeTeam {
  return fakeTeam({
    _id: '6230a987df141cedfef4a188',
    name: 'Ambassade de France à Kinshasa',
    slug: 'ambassade-de-france-a-kinshasa',
    timezone: 'Africa/Kinshasa',
    city: 'Kinshasa',
    country: 'République démocratique du Congo',
    country_code: 'CD',
    reservations_shop_availabilty: [
      fakeZone(
        {
          _id: '6346e242c47b29722d5f5f52',
          name: 'Visas',
          session_duration: 10,
          openings: [1, 2, 3, 4].map((d) => span(d, '08:00', '12:00')),
          breaktimes: [[]],
          dynamic_calendar: horizon(1, 60),
          dynamic_calendar_opening: { hour: '18', minute: '5' },
        },
        year,
      ),
    ],
  });
}

const minutes = (h: number, m: number) => h * 60 + m;
const hhmm = (total: number) => `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;

/** Every slot time a zone offers on `day`: openings minus breaktimes, stepped by session_duration. */
export function slotTimes(zone: FakeZone, day: string): string[] {
  if (zone.closed_days.includes(day) || day < zone.start_opening || day > zone.end_opening) return [];
  const wd = weekday(day);
  const breaks = zone.breaktimes.flat().filter((b) => b.day === wd);
  const step = zone.session_duration;
  const times: string[] = [];
  for (const o of zone.openings.filter((x) => x.day === wd)) {
    const end = minutes(o.end_h, o.end_m);
    for (let t = minutes(o.begin_h, o.begin_m); t + step <= end; t += step) {
      const inBreak = breaks.some((b) => t < minutes(b.end_h, b.end_m) && t + step > minutes(b.begin_h, b.begin_m));
      if (!inBreak) times.push(hhmm(t));
    }
  }
  return [...new Set(times)].sort();
}
