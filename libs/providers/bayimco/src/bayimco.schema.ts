import Type, { type Static } from 'typebox';

/**
 * The upstream's answers, only the fields slotwatch reads (research/bayimco.md §2, §3). Objects stay
 * open: the API grew fields over time and that must not break a check.
 */

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const Time = Type.String({ pattern: '^\\d{2}:\\d{2}(:\\d{2})?$' });

/** Keycloak's token answer (§2.1); S1 counts a refresh as done only when `refresh_token` is present. */
export const TokenResponse = Type.Object({
  access_token: Type.String({ minLength: 1 }),
  refresh_token: Type.String({ minLength: 1 }),
  expires_in: Type.Number({ minimum: 1 }),
  refresh_expires_in: Type.Optional(Type.Number()),
  token_type: Type.Optional(Type.String()),
});
export type TokenResponse = Static<typeof TokenResponse>;

const SiteObject = Type.Object({
  id: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  address: Type.Optional(Type.Union([Type.Null(), Type.Record(Type.String(), Type.Unknown())])),
});

/** appointments/next, April 2021: only the first-dose date, time and vaccine are known for sure (§3.1). */
export const NextAppointment2021 = Type.Object({
  firstVaccinationDate: Day,
  firstVaccinationTime: Time,
  vaccineId: Type.String({ minLength: 1 }),
  secondVaccinationDate: Type.Optional(Day),
  secondVaccinationTime: Type.Optional(Time),
  siteId: Type.Optional(Type.String()),
  site: Type.Optional(SiteObject),
  expiresAt: Type.Optional(Type.String()),
});

/** appointments/next, booster era (late 2021): one date and time and a site (§3.1, S6/S7). */
export const NextAppointmentBooster = Type.Object({
  vaccinationDate: Day,
  vaccinationTime: Time,
  siteId: Type.String({ minLength: 1 }),
  vaccineId: Type.Optional(Type.String()),
  site: Type.Optional(SiteObject),
  expiresAt: Type.Optional(Type.String()),
});

export const NextAppointment = Type.Union([NextAppointment2021, NextAppointmentBooster]);
export type NextAppointment = Static<typeof NextAppointment>;

/** GET districts/: S2 reads `name` and `centers[].id` (§3.7). */
export const Districts = Type.Array(
  Type.Object({
    name: Type.String(),
    centers: Type.Array(Type.Object({ id: Type.Union([Type.String(), Type.Number()]), name: Type.Optional(Type.String()), type: Type.Optional(Type.String()) })),
  }),
);
export type Districts = Static<typeof Districts>;

/** GET centers/{id}/sites: `id`, `name`, `type` (MAIN | SECONDARY), `address` missing on debug sites (§3.8). */
export const Sites = Type.Array(
  Type.Object({
    id: Type.String(),
    name: Type.String(),
    type: Type.Optional(Type.String()),
    address: Type.Optional(Type.Union([Type.Null(), Type.Record(Type.String(), Type.Unknown())])),
  }),
);
export type Sites = Static<typeof Sites>;

/** GET users/current/citizens: S7 reads only `id` (§3.4). */
export const Citizens = Type.Array(Type.Object({ id: Type.String() }));

/**
 * Vaccine ids, 3-digit strings (§5.1): the April-2021 names where c19ac lists them, else byImpf's
 * (Oct 2022).
 */
export const VACCINES: Readonly<Record<string, string>> = {
  '001': 'COVID-19 Vaccine AstraZeneca',
  '002': 'Comirnaty (BioNTech/Pfizer)',
  '003': 'Moderna COVID-19 Vaccine',
  '004': 'Sanofi Pasteur/GSK',
  '005': 'COVID-19 Vaccine Janssen (J&J)',
  '006': 'Novavax (Nuvaxovid)',
  '007': 'CureVac',
  '008': 'Valneva',
  '009': 'Comirnaty Original/Omicron BA.1',
  '010': 'Spikevax bivalent Original/Omicron (Moderna)',
  '011': 'Comirnaty Original/Omicron BA.4-5',
};

export function vaccineName(id: string | undefined): string | null {
  if (id === undefined) return null;
  return VACCINES[id] ?? VACCINES[id.padStart(3, '0')] ?? null;
}
