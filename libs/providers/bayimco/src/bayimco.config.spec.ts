import { describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import { TargetError } from '@slotwatch/provider-core';
import { BayimcoTarget, resolveTarget } from './bayimco.config';
import { validateBayimcoCredentials } from './bayimco.credentials';
import { zonedIso } from './bayimco.time';

const CITIZEN = '34622806-40C1-4FDF-8F36-D6C4DCD6564E';

describe('bayimco target', () => {
  it('fills the defaults from the spec', () => {
    const target = Value.Default(BayimcoTarget, { citizenId: CITIZEN, budget: {}, policies: {} });
    expect(Value.Check(BayimcoTarget, target)).toBe(true);
    expect(target).toMatchObject({
      baseUrl: 'https://impfzentren.bayern/api/v1',
      authUrl: 'https://ciam.impfzentren.bayern/auth/realms/C19V-Citizen',
      timeOfDay: 'ALL_DAY',
      lastTime: '00:00',
      timezone: 'Europe/Berlin',
      budget: { calls: 30, perSeconds: 900 },
      policies: { stopOnSuccess: false, stopOnFail: false, stopOnAuthFail: false },
    });
  });

  it('refuses a malformed citizenId at the schema, at target.citizenId', () => {
    const errors = Value.Errors(BayimcoTarget, { citizenId: 'anna' });
    expect(errors[0]?.instancePath).toBe('/citizenId');
  });

  it('resolves ids to the upper case BayIMCO writes and names each bad field', () => {
    expect(resolveTarget({ citizenId: CITIZEN.toLowerCase() }).citizenId).toBe(CITIZEN);
    const bad = (t: Partial<BayimcoTarget>) => {
      try {
        resolveTarget({ citizenId: CITIZEN, ...t });
      } catch (error) {
        return error as TargetError;
      }
      throw new Error('no TargetError');
    };
    expect(bad({ citizenId: 'not-a-uuid' })).toMatchObject({ field: 'citizenId', message: expect.stringContaining('target.citizenId "not-a-uuid"') });
    expect(bad({ timezone: 'Bavaria/Munich' }).field).toBe('timezone');
    expect(bad({ lastDate: '2021-02-30' }).field).toBe('lastDate');
    expect(bad({ lastTime: '25:00' }).field).toBe('lastTime');
  });

  it('gives slots the offset of their own date across the DST change', () => {
    expect(zonedIso('2021-03-27', '14:35', 'Europe/Berlin')).toBe('2021-03-27T14:35:00+01:00');
    expect(zonedIso('2021-03-29', '14:35', 'Europe/Berlin')).toBe('2021-03-29T14:35:00+02:00');
  });
});

describe('validateBayimcoCredentials', () => {
  it('accepts a refresh token, a username and password, or both', () => {
    expect(validateBayimcoCredentials({ refreshToken: 'eyJ…' })).toEqual([]);
    expect(validateBayimcoCredentials({ username: 'a@example.org', password: 'p' })).toEqual([]);
    expect(validateBayimcoCredentials({ refreshToken: 'eyJ…', username: 'a@example.org', password: 'p' })).toEqual([]);
  });

  it('names the missing field when both ways in are missing', () => {
    const [problem, ...rest] = validateBayimcoCredentials({});
    expect(rest).toEqual([]);
    expect(problem).toContain('credentials.refreshToken');
    expect(problem).toContain('credentials.username and credentials.password');
  });

  it('names credentials.username when a password comes without it', () => {
    expect(validateBayimcoCredentials({ password: 'p' })).toEqual([expect.stringContaining('credentials.username is required with credentials.password')]);
    expect(validateBayimcoCredentials({ username: 'a@example.org' })).toEqual([expect.stringContaining('credentials.password is required')]);
  });

  it('names wrong types, empty values and misspelt keys', () => {
    expect(validateBayimcoCredentials('token')).toEqual([expect.stringContaining('must be an object')]);
    expect(validateBayimcoCredentials({ refreshToken: 42 })).toContain('credentials.refreshToken must be a non-empty string');
    expect(validateBayimcoCredentials({ refresh_token: 'x', refreshToken: 'y' })).toEqual([expect.stringContaining('did you mean credentials.refreshToken?')]);
  });
});
