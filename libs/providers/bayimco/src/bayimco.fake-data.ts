import { VACCINES } from './bayimco.schema';

/** A login account of the fake; one account holds up to 5 persons (research/bayimco.md §3.4, FAQ). */
export interface FakeAccount {
  username: string;
  password: string;
  citizens: FakeCitizen[];
}

export interface FakeCitizen {
  /** Upper-case UUID, as BayIMCO writes them. */
  id: string;
  /** Not invited: appointments/next never finds anything (c19ac's prerequisite, §3.5, §4.7). Default true. */
  invited?: boolean;
}

/** The default account: its first citizen is the spec's example UUID (§3.1). */
export const FAKE_BAYIMCO_ACCOUNT: FakeAccount = {
  username: 'anna.huber@example.org',
  password: 'Impfen-2021!',
  citizens: [{ id: '34622806-40C1-4FDF-8F36-D6C4DCD6564E' }, { id: '5B0E8C47-2D1A-4F3B-9E6C-7A8D9F0B1C2D' }],
};

/** A second account, to show that one account cannot read another's citizens (403). */
export const FAKE_BAYIMCO_OTHER_ACCOUNT: FakeAccount = {
  username: 'josef.maier@example.org',
  password: 'Servus-Impfung',
  citizens: [{ id: 'C1D2E3F4-A5B6-4C7D-8E9F-0A1B2C3D4E5F' }],
};

export interface FakeSite {
  id: string;
  name: string;
  type: 'MAIN' | 'SECONDARY';
  address: { street: string; streetNumber: string; zip: string; city: string } | null;
}

export interface FakeCenter {
  /** The format is unknown; "Center 119" in the S2 README suggests a number (§3.7, [GUESS]). */
  id: string;
  name: string;
  type: 'MAIN';
  sites: FakeSite[];
}

/** Districts (Regierungsbezirke) with centres and sites; names real, ids and addresses [GUESS]. */
export const FAKE_DISTRICTS: { name: string; centers: FakeCenter[] }[] = [
  {
    name: 'Oberbayern',
    centers: [
      {
        id: '119',
        name: 'Impfzentrum München',
        type: 'MAIN',
        sites: [
          { id: '8E2B6C1A-3F4D-4A7B-9C2E-5D1F0A6B7C8D', name: 'Impfzentrum München Riem', type: 'MAIN', address: { street: 'Am Messeturm', streetNumber: '1', zip: '81829', city: 'München' } },
          { id: '2A9F7E31-6B0C-4D85-A1E4-93C7B5D2F608', name: 'Impfbus München Nord', type: 'SECONDARY', address: null },
        ],
      },
      {
        id: '121',
        name: 'Impfzentrum Landkreis Freising',
        type: 'MAIN',
        sites: [{ id: '6D4C2B1A-9E8F-4A7B-8C6D-5E4F3A2B1C0D', name: 'Impfzentrum Freising Luitpoldanlage', type: 'MAIN', address: { street: 'Luitpoldanlage', streetNumber: '2', zip: '85354', city: 'Freising' } }],
      },
    ],
  },
  {
    name: 'Mittelfranken',
    centers: [
      {
        id: '204',
        name: 'Impfzentrum Nürnberg',
        type: 'MAIN',
        sites: [{ id: 'F0E1D2C3-B4A5-4968-8776-655443322110', name: 'Impfzentrum Nürnberg Messe', type: 'MAIN', address: { street: 'Karl-Schönleben-Straße', streetNumber: '1', zip: '90471', city: 'Nürnberg' } }],
      },
    ],
  },
];

export function fakeSites(): (FakeSite & { centerId: string })[] {
  return FAKE_DISTRICTS.flatMap((d) => d.centers.flatMap((c) => c.sites.map((s) => ({ ...s, centerId: c.id }))));
}

/** GET vaccines/: element fields unseen, `id` and `name` [GUESS] (§3.6). */
export function fakeVaccines(): { id: string; name: string }[] {
  return Object.entries(VACCINES).map(([id, name]) => ({ id, name }));
}
