import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import { createHttpClient } from '@slotwatch/http';
import { TargetError } from '@slotwatch/provider-core';
import { TroovTarget } from './troov.config';
import { fetchTeam, listServices, resolveService } from './troov.discovery';
import { startFakeTroov, type FakeTroov } from './troov.fake';
import { TROOV_PRESETS, findPreset } from './troov.presets';

const http = createHttpClient({ userAgent: 'slotwatch-test', timeoutMs: 5000 });
let fake: FakeTroov;
beforeAll(async () => {
  fake = await startFakeTroov();
});
afterAll(async () => {
  await fake.close();
});

describe('troov discovery', () => {
  it('finds a team by slug and by id, with its services', async () => {
    const bySlug = await fetchTeam(http, fake.url, 'consulat-general-de-france-a-montreal');
    const byId = await fetchTeam(http, fake.url, '61f924e90b0582a933ff3e7c');
    expect(byId._id).toBe(bySlug._id);
    expect(bySlug.timezone).toBe('America/Montreal');
    expect(listServices(bySlug)).toContainEqual({
      id: '623e3c5319ec2e40dcf76397',
      name: 'Demande de passeport/CNI',
      isOpen: true,
      horizonDays: 42,
    });
    expect(listServices(bySlug).find((s) => s.id === '61f937bb416883a92dfc1c3b')?.isOpen).toBe(false);
  });

  it('refuses an unknown team with a TargetError', async () => {
    const error = await fetchTeam(http, fake.url, 'ambassade-de-france-a-nulle-part').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetError);
    expect((error as TargetError).field).toBe('team');
  });

  it('resolves a service by its exact name and names the known ones otherwise', async () => {
    const team = await fetchTeam(http, fake.url, 'consulat-general-de-france-a-montreal');
    expect(resolveService(team, 'Etat civil')._id).toBe('61f955a5456683ff9569d0bc');
    const error = (() => {
      try {
        resolveService(team, 'etat civil');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TargetError);
    expect((error as TargetError).field).toBe('service');
    expect((error as TargetError).message).toContain('no service named "etat civil" at Consulat général de France à Montréal; known: ');
    expect((error as TargetError).message).toContain('"Etat civil"');
  });

  it('ships presets that are valid targets', () => {
    for (const preset of TROOV_PRESETS) expect(Value.Check(TroovTarget, preset.target), preset.name).toBe(true);
    expect(findPreset('montreal-passport')?.target).toMatchObject({
      teamId: '61f924e90b0582a933ff3e7c',
      serviceId: '623e3c5319ec2e40dcf76397',
      serviceName: 'Demande de passeport/CNI',
      timezone: 'America/Montreal',
    });
    expect(findPreset('atlantis')).toBeUndefined();
  });

  it('rejects targets with malformed ids', () => {
    const bad = { teamId: '61f924e9', serviceId: '623e3c5319ec2e40dcf76397', serviceName: 'x' };
    const errors = Value.Errors(TroovTarget, bad);
    expect(errors.map((e) => e.instancePath)).toContain('/teamId');
  });
});
