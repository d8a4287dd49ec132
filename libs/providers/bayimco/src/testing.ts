export { startFakeBayimco, type FakeBayimco, type FakeBayimcoOptions } from './bayimco.fake';
export type { FakeBayimcoControl, FakeCounts } from './bayimco.fake-control';
export type { FakeAppointment, FakeAppointmentInput, FakeMode, FakeRateLimit } from './bayimco.fake-world';
export { FAKE_BAYIMCO_ACCOUNT, FAKE_BAYIMCO_OTHER_ACCOUNT, FAKE_DISTRICTS, type FakeAccount, type FakeCitizen, type FakeCenter, type FakeSite } from './bayimco.fake-data';
export { FixedWindowBudget } from './bayimco.fake-budget';
