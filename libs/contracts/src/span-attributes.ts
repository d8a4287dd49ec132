/**
 * Span attribute names slotwatch sets on its traces: part of what operators query in their trace
 * UI, so they live here with the other names and stay stable.
 */
export const spanAttr = {
  provider: 'slotwatch.provider',
  watchId: 'slotwatch.watch.id',
  checkId: 'slotwatch.check.id',
  checkTick: 'slotwatch.check.tick',
  checkStatus: 'slotwatch.check.status',
  checkReason: 'slotwatch.check.reason',
  checkRequests: 'slotwatch.check.requests',
  slotsSeen: 'slotwatch.slots.seen',
  slotsOpened: 'slotwatch.slots.opened',
  slotsClosed: 'slotwatch.slots.closed',
  slotsHeld: 'slotwatch.slots.held',
  diffOutcome: 'slotwatch.diff.outcome',
  eventId: 'slotwatch.event.id',
  channel: 'slotwatch.channel',
  deliveryId: 'slotwatch.delivery.id',
  deliveryAttempt: 'slotwatch.delivery.attempt',
  deliveryOutcome: 'slotwatch.delivery.outcome',
} as const;
