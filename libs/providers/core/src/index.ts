export type { Snapshot, ProviderState, RequestBudget, CheckContext, ProviderAdapter } from './provider';
export { UpstreamShapeError, TargetError } from './errors';
export { MemoryProviderState, UnlimitedBudget } from './memory';
