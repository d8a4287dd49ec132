import type { TSchema } from 'typebox';
import { CheckRequestedV1, SlotChangedV1, SlotsObservedV1 } from './messages';
import type { StreamKey } from './subjects';
import { WatchEventV1 } from './watch-events';

/** One map from message kind to schema and stream, so publish and consume are typed together. */
export const messageKinds = {
  'check.requested': { schema: CheckRequestedV1, stream: 'CHECKS' },
  'slots.observed': { schema: SlotsObservedV1, stream: 'OBSERVATIONS' },
  'slots.changed': { schema: SlotChangedV1, stream: 'SLOT_EVENTS' },
  'watch.event': { schema: WatchEventV1, stream: 'WATCH_EVENTS' },
} as const satisfies Record<string, { schema: TSchema; stream: StreamKey }>;

export interface MessagePayloads {
  'check.requested': CheckRequestedV1;
  'slots.observed': SlotsObservedV1;
  'slots.changed': SlotChangedV1;
  'watch.event': WatchEventV1;
}
export type MessageKind = keyof MessagePayloads;
