export type { Snapshot, ProviderState, RequestBudget, CheckContext, ProviderAdapter } from './provider';
export { UpstreamShapeError, TargetError } from './errors';
export { MemoryProviderState, UnlimitedBudget } from './memory';
export {
  addDays,
  daysBetween,
  isDay,
  isTimeZone,
  isoWithOffset,
  localDay,
  localTime,
  offsetMinutes,
  weekday,
  zonedInstant,
  zonedIso,
} from './zoned-time';
