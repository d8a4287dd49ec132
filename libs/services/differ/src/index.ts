export { differService } from './differ.service';
export { applyObservation, type DiffResult } from './differ.logic';
export { startOutboxRelay } from './outbox.relay';
