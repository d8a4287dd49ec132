import { subjects, type Naming, type SlotChangedV1, type SlotsObservedV1 } from '@slotwatch/contracts';
import type { Db } from '@slotwatch/db';
import {
  closeSlots,
  countOpen,
  findVanished,
  lockWatch,
  markApplied,
  updateHealth,
  upsertSeen,
  writeEvents,
  type ChangedSlot,
  type NewEvent,
  type WatchRow,
} from './diff.repository';

export interface DiffResult {
  applied: boolean;
  opened: number;
  closed: number;
}

const CHANGES_SLOTS = new Set(['ok', 'partial']);

/**
 * Applies one observation in one transaction: upsert what was seen, close what vanished inside
 * the snapshot's scope, write the events and their outbox rows, update the watch's health.
 * A failed check (error, blocked, rate_limited, auth_failed) changes health only: it closes nothing.
 * A redelivered observation (same check id) changes nothing.
 */
export async function applyObservation(db: Db, naming: Naming, obs: SlotsObservedV1): Promise<DiffResult> {
  return db.begin(async (tx) => {
    const watch = await lockWatch(tx, obs.watchId);
    if (!watch) return { applied: false, opened: 0, closed: 0 };
    if (!(await markApplied(tx, obs.checkId, obs.watchId))) return { applied: false, opened: 0, closed: 0 };

    const at = new Date();
    const observedAt = new Date(obs.observedAt);
    let opened: ChangedSlot[] = [];
    let closed: ChangedSlot[] = [];
    if (CHANGES_SLOTS.has(obs.status)) {
      opened = await upsertSeen(tx, watch.id, obs.slots, observedAt);
      const vanished = await findVanished(tx, watch.id, obs.scope, obs.slots.map((s) => s.key));
      closed = await closeSlots(tx, watch.id, vanished.map((s) => s.slot_key), observedAt);
    }
    const event = (kind: SlotChangedV1['type'], slot: ChangedSlot): NewEvent => ({
      kind,
      slotKey: slot.slot_key,
      build: (id, seq) => ({
        subject: subjects.slotsChanged(naming, watch.provider, watch.id),
        payload: toMessage(id, seq, kind, at, watch, slot, obs),
      }),
    });
    await writeEvents(tx, watch.id, obs.checkId, at, [
      ...opened.map((s) => event('slot.opened', s)),
      ...closed.map((s) => event('slot.closed', s)),
    ]);
    const success = CHANGES_SLOTS.has(obs.status);
    await updateHealth(tx, watch.id, {
      status: obs.status,
      reason: obs.reason ?? null,
      detail: obs.detail ?? null,
      hint: obs.hint ?? null,
      success,
      attemptAt: new Date(obs.startedAt),
      observedAt,
      nextAllowedAt: obs.retryAfter ? new Date(obs.retryAfter) : null,
      openSlots: await countOpen(tx, watch.id),
    });
    return { applied: true, opened: opened.length, closed: closed.length };
  });
}

function toMessage(
  eventId: string,
  seq: number,
  type: SlotChangedV1['type'],
  at: Date,
  watch: WatchRow,
  slot: ChangedSlot,
  obs: SlotsObservedV1,
): SlotChangedV1 {
  const firstSeen = new Date(slot.first_seen);
  const closedAt = slot.closed_at ? new Date(slot.closed_at) : undefined;
  return {
    v: 1,
    eventId,
    seq,
    type,
    at: at.toISOString(),
    watch: { id: watch.id, name: watch.name, provider: watch.provider },
    visibility: watch.visibility,
    slot: {
      key: slot.slot_key,
      startsAt: slot.starts_local,
      attributes: slot.attributes,
      firstSeenAt: firstSeen.toISOString(),
      ...(closedAt ? { closedAt: closedAt.toISOString(), openSeconds: Math.max(0, Math.round((closedAt.getTime() - firstSeen.getTime()) / 1000)) } : {}),
    },
    observedAt: obs.observedAt,
    checkId: obs.checkId,
  };
}
