import { randomUUID } from 'node:crypto';
import { subjects, type Naming, type SnapshotStatus, type WatchEventKind, type WatchEventV1, type WatchStateV1 } from '@slotwatch/contracts';
import type { WatchEventRow } from './events.repository';

export interface WatchFacts {
  state: WatchStateV1;
  lastSuccessAt?: Date | null;
  lastAttemptAt?: Date | null;
  lastStatus?: SnapshotStatus | null;
  lastReason?: string | null;
  staleSince?: Date | null;
  checkId?: string;
}

/** A watch.stale / watch.recovered / watch.blocked event, ready for the outbox (its seq is drawn at insert). */
export function watchEvent(
  naming: Naming,
  type: WatchEventKind,
  watch: { id: string; name: string; provider: string; visibility: 'public' | 'private' },
  at: Date,
  facts: WatchFacts,
): WatchEventRow {
  const eventId = randomUUID();
  const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : undefined);
  const payload: WatchEventV1 = {
    v: 1,
    eventId,
    seq: 0,
    type,
    at: at.toISOString(),
    watch: { id: watch.id, name: watch.name, provider: watch.provider },
    visibility: watch.visibility,
    state: facts.state,
    ...(facts.lastSuccessAt ? { lastSuccessAt: iso(facts.lastSuccessAt) } : {}),
    ...(facts.lastAttemptAt ? { lastAttemptAt: iso(facts.lastAttemptAt) } : {}),
    ...(facts.lastStatus ? { lastStatus: facts.lastStatus } : {}),
    ...(facts.lastReason ? { lastReason: facts.lastReason } : {}),
    ...(facts.staleSince ? { staleSince: iso(facts.staleSince) } : {}),
    ...(facts.checkId ? { checkId: facts.checkId } : {}),
  };
  const kindToken = type.slice('watch.'.length);
  return { id: eventId, kind: type, watchId: watch.id, subject: subjects.watchEvent(naming, kindToken, watch.id), payload };
}
