import type { TroovTarget } from './troov.config';

/** A known consulate service to start a watch from, taken from public bot code (research/troov.md §3). */
export interface TroovPreset {
  /** Short handle, e.g. `montreal-passport`. */
  name: string;
  /** What a person sees, e.g. "Montréal — passport / ID card". */
  title: string;
  /** The consulate page slug: consulat.gouv.fr/<slug>/rendez-vous. */
  slug: string;
  target: TroovTarget;
  /** Where the ids come from. */
  source: string;
}

const MONTREAL = { teamId: '61f924e90b0582a933ff3e7c', slug: 'consulat-general-de-france-a-montreal', timezone: 'America/Montreal' };
const KINSHASA = { teamId: '6230a987df141cedfef4a188', slug: 'ambassade-de-france-a-kinshasa', timezone: 'Africa/Kinshasa' };

const montreal = (name: string, title: string, serviceId: string, serviceName: string): TroovPreset => ({
  name,
  title,
  slug: MONTREAL.slug,
  target: { teamId: MONTREAL.teamId, serviceId, serviceName, timezone: MONTREAL.timezone, slug: MONTREAL.slug },
  source: 'julbrs/mon-rdv-au-consulat (2022)',
});

export const TROOV_PRESETS: readonly TroovPreset[] = [
  montreal('montreal-passport', 'Montréal — passport / ID card application', '623e3c5319ec2e40dcf76397', 'Demande de passeport/CNI'),
  montreal('montreal-passport-pickup', 'Montréal — passport / ID card pick-up', '61f953226dd45bff30f01db0', 'RETRAIT DE CNI/PASSEPORT'),
  montreal('montreal-civil-status', 'Montréal — civil status', '61f955a5456683ff9569d0bc', 'Etat civil'),
  montreal(
    'montreal-chancery',
    'Montréal — certified copies and legalisations',
    '61f953e766a257ff81987a3d',
    'Affaires diverses de chancellerie (copies conformes / légalisations...)',
  ),
  {
    name: 'bogota-student-visas',
    title: 'Bogotá — student and language-assistant visas',
    slug: 'ambassade-de-france-a-bogota',
    target: {
      teamId: '6230a5f8eb8eddc6026c2f86',
      serviceId: '623a31e505be16413d5f71ce',
      serviceName: 'VISAS ESTUDIANTES, ASSISTANTS DE LANGUE Y VVT',
      slug: 'ambassade-de-france-a-bogota',
    },
    source: 'juandiegotm/ambassade-france-scraper (2023–2024)',
  },
  {
    name: 'erevan-visas',
    title: 'Yerevan — visas',
    slug: 'ambassade-de-france-a-erevan',
    target: {
      teamId: '6229dd2c43b3b977c5fe0ef5',
      serviceId: '62ac40f24b0f3a05f2119497',
      serviceName: 'Visas',
      slug: 'ambassade-de-france-a-erevan',
    },
    source: 'unidentified public bot "erevan" (2023)',
  },
  {
    name: 'ireland-visas',
    title: 'Ireland (Dublin) — visas',
    slug: 'ambassade-de-france-en-irlande',
    target: {
      teamId: '621540d353069dec25bd0045',
      serviceId: '624317926863643fe83c8548',
      serviceName: 'Visas',
      slug: 'ambassade-de-france-en-irlande',
    },
    source: 'unidentified public bot "ireland" (~2023)',
  },
  {
    name: 'kinshasa-visas',
    title: 'Kinshasa — visas',
    slug: KINSHASA.slug,
    // Listed as "…5f52" beside 6346e242c47b29722d5f5f4e in the source.
    target: {
      teamId: KINSHASA.teamId,
      serviceId: '6346e242c47b29722d5f5f52',
      serviceName: 'Visas',
      timezone: KINSHASA.timezone,
      slug: KINSHASA.slug,
    },
    source: 'GateCtr/visaflow (2026)',
  },
];

/** A preset by its handle, or undefined. */
export function findPreset(name: string): TroovPreset | undefined {
  return TROOV_PRESETS.find((p) => p.name === name.trim().toLowerCase());
}

/** The consulate page slug of a known team, for booking links. */
export function slugOfTeam(teamId: string): string | undefined {
  return TROOV_PRESETS.find((p) => p.target.teamId === teamId)?.slug;
}
