export { differService } from './differ.service';
export { applyObservation, DEFAULT_DIFF_OPTIONS, type DiffOptions, type DiffResult } from './differ.logic';
export { startOutboxRelay, drainOutbox, type DrainResult, type OutboxRelay } from './outbox.relay';
