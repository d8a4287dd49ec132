import { findPreset } from '@slotwatch/provider-troov';
import type { FakeTroov } from '@slotwatch/provider-troov/testing';

/** The seed bot's watch — Montréal passports — as the end-to-end tests point it at the fake. */
const montreal = findPreset('montreal-passport')!.target;

export const MONTREAL_SERVICE_ID = montreal.serviceId;

export const montrealPassport = (fake: FakeTroov) => ({ ...montreal, baseUrl: fake.url });

/** Bookable Montréal passport slots of the fake, each handed out once, so tests never share one. */
export function slotPool(fake: FakeTroov): (n: number) => { day: string; time: string }[] {
  let used = 0;
  return (n) => {
    used += n;
    return fake.control.bookableSlots(MONTREAL_SERVICE_ID).slice(used - n, used);
  };
}

export interface AdminClient {
  /** Any call with the admin key; the body parsed as JSON. */
  call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** A create call that must answer 201; its body. */
  post<T>(path: string, body: unknown): Promise<T>;
}

/** The HTTP API as an operator drives it: bearer admin key, JSON in and out. */
export function adminClient(api: string, adminKey: string): AdminClient {
  const call = async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  return {
    call,
    async post<T>(path: string, body: unknown) {
      const res = await call<T>('POST', path, body);
      if (res.status !== 201) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
  };
}
