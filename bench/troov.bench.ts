import pino from 'pino';
import { createHttpClient } from '@slotwatch/http';
import { MemoryProviderState, UnlimitedBudget, type CheckContext } from '@slotwatch/provider-core';
import { createTroovAdapter } from '@slotwatch/provider-troov';
import { fakeTeam, fakeZone, slotTimes, startFakeTroov } from '@slotwatch/provider-troov/testing';

/**
 * Upstream requests per check and per detected slot, TROOV, 45-day window, against the fake —
 * next to the seed bot's flow (julbrs, research/troov.md §2: every 5 minutes one session + one
 * exclude-days + one availability call per day not excluded).
 */
const CHECKS = 24; // two hours at the seed bot's 5-minute cadence
const OPEN_DAYS = 5;

export default {
  name: 'troov',
  async run() {
    const zone = fakeZone({ _id: '623e3c5319ec2e40dcf76397', name: 'Demande de passeport/CNI', dynamic_calendar: { begin: { type: 'days', value: 0 }, end: { type: 'days', value: 45 } } });
    const team = fakeTeam({ _id: '61f924e90b0582a933ff3e7c', name: 'Consulat (bench)', slug: 'bench', timezone: 'America/Montreal', reservations_shop_availabilty: [zone] });
    const fake = await startFakeTroov({ teams: [team] });
    try {
      // Open three slots on each of OPEN_DAYS working days inside the window.
      const days = [...new Set(fake.control.bookableSlots().map((s) => s.day))].slice(0, OPEN_DAYS);
      for (const day of days) for (const time of slotTimes(zone, day).slice(0, 3)) fake.control.openSlot(day, time);

      const adapter = createTroovAdapter({ minGapMs: 0 });
      const state = new MemoryProviderState();
      const http = createHttpClient({ userAgent: 'slotwatch-bench', timeoutMs: 10_000 });
      let clock = Date.now();
      const ctx: CheckContext = {
        watchId: 'bench', http, state, budget: new UnlimitedBudget(), log: pino({ level: 'silent' }),
        signal: new AbortController().signal, now: () => new Date(clock),
      };
      const target = { baseUrl: fake.url, teamId: team._id, serviceId: zone._id, serviceName: zone.name };
      fake.control.resetRequests();
      let detected = 0;
      for (let i = 0; i < CHECKS; i++) {
        const snap = await adapter.check(target, ctx);
        if (snap.status !== 'ok') throw new Error(`bench check ${i} was ${snap.status}: ${snap.detail}`);
        detected = Math.max(detected, snap.slots.length);
        clock += 5 * 60_000; // the adapter's own clock drives session renewal at 25 minutes
        fake.control.advance(5 * 60_000);
      }
      const ours = fake.control.requestCount() / CHECKS;
      const seed = 1 + 1 + OPEN_DAYS;
      return [
        { metric: 'requests per check (slotwatch)', value: round(ours), unit: 'requests', note: `${CHECKS} checks, 45-day window, ${OPEN_DAYS} days with slots` },
        { metric: 'requests per check (seed bot flow)', value: seed, unit: 'requests', note: '1 session + 1 exclude-days + 1 availability per open day' },
        { metric: 'requests per detected slot per check (slotwatch)', value: round(ours / detected), unit: 'requests', note: `${detected} slots detected` },
        { metric: 'requests per detected slot per check (seed bot flow)', value: round(seed / detected), unit: 'requests' },
      ];
    } finally {
      await fake.close();
    }
  },
};

const round = (n: number) => Math.round(n * 100) / 100;
