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
