import type { SlotChangedV1 } from '@slotwatch/contracts';

/**
 * The JSON body integrators receive. Its shape is part of the public contract (README, API docs):
 * `{type, timestamp, data: {eventId, seq, watch, slot, observedAt}}`.
 */
export function webhookBody(event: SlotChangedV1): string {
  return JSON.stringify({
    type: event.type,
    timestamp: event.at,
    data: {
      eventId: event.eventId,
      seq: event.seq,
      watch: event.watch,
      slot: event.slot,
      observedAt: event.observedAt,
    },
  });
}
