import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '@slotwatch/http';
import { listCitizens, listSites } from './bayimco.discovery';
import { FAKE_BAYIMCO_ACCOUNT } from './bayimco.fake-data';
import { startFakeBayimco, type FakeBayimco } from './bayimco.fake';
import { BayimcoCallError } from './bayimco.client';

const http = createHttpClient({ userAgent: 'slotwatch-test', timeoutMs: 5000 });
const credentials = { username: FAKE_BAYIMCO_ACCOUNT.username, password: FAKE_BAYIMCO_ACCOUNT.password };

let fake: FakeBayimco;
beforeEach(async () => {
  fake = await startFakeBayimco();
});
afterEach(async () => {
  await fake.close();
});

describe('bayimco discovery', () => {
  it('lists every site through districts and centres', async () => {
    const sites = await listSites(http, { baseUrl: fake.url, authUrl: fake.authUrl }, { credentials });
    expect(sites).toHaveLength(4);
    expect(sites[0]).toEqual({
      id: '8E2B6C1A-3F4D-4A7B-9C2E-5D1F0A6B7C8D',
      name: 'Impfzentrum München Riem',
      type: 'MAIN',
      centerId: '119',
      district: 'Oberbayern',
      address: { street: 'Am Messeturm', streetNumber: '1', zip: '81829', city: 'München' },
    });
    // The vaccination bus carries no address.
    expect(sites[1]).toMatchObject({ type: 'SECONDARY', address: null });
    expect(fake.control.counts()).toMatchObject({ api: 4, tokenCode: 1 });
  });

  it('lists the citizens of the account', async () => {
    expect(await listCitizens(http, { baseUrl: fake.url, authUrl: fake.authUrl }, { credentials })).toEqual(FAKE_BAYIMCO_ACCOUNT.citizens.map((c) => c.id));
  });

  it('throws naming the credential problem', async () => {
    const error = await listSites(http, { baseUrl: fake.url, authUrl: fake.authUrl }, { credentials: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BayimcoCallError);
    expect((error as BayimcoCallError).message).toContain('credentials.refreshToken');
  });
});
