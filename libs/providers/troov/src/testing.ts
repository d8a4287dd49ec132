export { startFakeTroov, type FakeTroov, type FakeTroovOptions } from './troov.fake';
export type { FakeTroovControl, FakeFailure, FakeEndpoint, FakeRateLimit, FakeRequestLogEntry } from './troov.fake-control';
export { fakeTeam, fakeZone, montrealTeam, kinshasaTeam, slotTimes, objectId, type FakeTeam, type FakeZone } from './troov.fake-teams';
export type { FakeSlotRef } from './troov.fake-world';
