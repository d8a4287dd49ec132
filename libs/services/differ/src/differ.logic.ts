import { randomUUID } from 'node:crypto';
import { subjects, type Naming, type SlotChangedV1, type SlotsObservedV1, type WatchStateV1 } from '@slotwatch/contracts';
import type { Db } from '@slotwatch/db';
import { currentTraceparent } from '@slotwatch/messaging';
import { applySnapshot, lockWatch, updateHealth, type ChangedSlot, type LockedWatch } from './diff.repository';
import { writeSlotEvents, writeWatchEvents, type SlotEventRow } from './events.repository';
import { watchEvent } from './watch-event';

export interface DiffResult {
  /** True when the observation changed the watch (slots or health). */
  applied: boolean;
  /** applied · duplicate (check id seen before) · superseded (a newer check already succeeded) · unknown_watch. */
  outcome: 'applied' | 'duplicate' | 'superseded' | 'unknown_watch';
  opened: number;
  closed: number;
  /** Closures the mass-closure guard held back until the next snapshot confirms them. */
  held: number;
  /** The watch had gone stale and this check brought it back. */
  recovered: boolean;
  /** The upstream started shutting this watch out (blocked, auth_failed): watch.blocked was written. */
  blocked: boolean;
}

export interface DiffOptions {
  /** Hold a closure of every open slot until a second snapshot confirms it. */
  massCloseGuard: boolean;
  /** Open slots a watch needs before the guard applies. */
  massCloseMin: number;
}

export const DEFAULT_DIFF_OPTIONS: DiffOptions = { massCloseGuard: true, massCloseMin: 5 };

const CHANGES_SLOTS = new Set<SlotsObservedV1['status']>(['ok', 'partial']);
const BLOCKING = new Set<SlotsObservedV1['status']>(['blocked', 'auth_failed']);
const nothing = (outcome: DiffResult['outcome']): DiffResult => ({ applied: false, outcome, opened: 0, closed: 0, held: 0, recovered: false, blocked: false });

/**
 * What slotwatch can honestly say after a check. Only a successful check can say `none`, and only
 * when it covered everything (`ok`); a failed check, a partial one with nothing open, and a held
 * mass closure say `unknown`.
 */
export function healthState(success: boolean, status: SlotsObservedV1['status'], openSlots: number, held: boolean): WatchStateV1 {
  if (!success || held) return 'unknown';
  if (openSlots > 0) return 'available';
  return status === 'ok' ? 'none' : 'unknown';
}

/**
 * Applies one observation in one transaction: upsert what was seen, close what vanished inside
 * the snapshot's scope, write the events and their outbox rows, update the watch's health.
 * A failed check (error, blocked, rate_limited, auth_failed) changes health only: it closes nothing.
 * A redelivered observation (same check id) changes nothing; neither does one older than the
 * watch's last successful check (replicas may take a watch's checks out of order).
 */
export async function applyObservation(db: Db, naming: Naming, obs: SlotsObservedV1, options: DiffOptions = DEFAULT_DIFF_OPTIONS): Promise<DiffResult> {
  return db.begin(async (tx) => {
    // Outbox rows written below take this trace context (004_tracing.sql: the column default).
    await tx`SELECT set_config('slotwatch.traceparent', ${currentTraceparent() ?? ''}, true)`;
    const watch = await lockWatch(tx, obs.watchId, obs.checkId);
    if (!watch) return nothing('unknown_watch');
    if (!watch.fresh) return nothing('duplicate');
    const observedAt = new Date(obs.observedAt);
    if (watch.lastSuccessAt && observedAt < watch.lastSuccessAt) return nothing('superseded');

    const at = new Date();
    const success = CHANGES_SLOTS.has(obs.status);
    let opened: ChangedSlot[] = [];
    let closed: ChangedSlot[] = [];
    let held = 0;
    let openSlots = watch.openSlots;
    if (success) {
      const diff = await applySnapshot(tx, watch.id, obs.slots, obs.scope, {
        at: observedAt,
        guardMin: options.massCloseGuard ? options.massCloseMin : 0,
        confirming: watch.massCloseHeldAt !== null,
      });
      ({ opened, closed } = diff);
      held = diff.vanished - closed.length;
      openSlots = diff.openBefore + opened.length - closed.length;
    }
    // Back from stale, or from being shut out upstream (captcha, refused login): operators hear it.
    const recovered = success && (watch.staleSince !== null || BLOCKING.has(watch.lastStatus as SlotsObservedV1['status']));
    const state = healthState(success, obs.status, openSlots, held > 0);
    await updateHealth(tx, watch.id, {
      state,
      status: obs.status,
      reason: obs.reason ?? null,
      detail: obs.detail ?? null,
      hint: obs.hint ?? (held > 0 ? `a check saw none of the ${held} open slots; they stay open until the next check confirms it` : null),
      success,
      attemptAt: new Date(obs.startedAt),
      observedAt,
      nextAllowedAt: obs.retryAfter ? new Date(obs.retryAfter) : null,
      openSlots,
      recovered,
      massCloseHeldAt: success ? (held > 0 ? observedAt : null) : undefined,
      massCloseCheckId: held > 0 ? obs.checkId : null,
    });

    // A watch the upstream shuts out (a captcha, refused credentials) needs an operator: say so once,
    // when it starts, not on every check.
    const blocked = BLOCKING.has(obs.status) && watch.lastStatus !== obs.status;
    if (blocked) {
      await writeWatchEvents(tx, at, [
        watchEvent(naming, 'watch.blocked', watch, at, {
          state,
          lastAttemptAt: new Date(obs.startedAt),
          lastStatus: obs.status,
          lastReason: obs.reason ?? null,
          checkId: obs.checkId,
        }),
      ]);
    }
    if (recovered) {
      await writeWatchEvents(tx, at, [
        watchEvent(naming, 'watch.recovered', watch, at, {
          state,
          lastSuccessAt: observedAt,
          lastAttemptAt: new Date(obs.startedAt),
          lastStatus: obs.status,
          staleSince: watch.staleSince ?? undefined,
          checkId: obs.checkId,
        }),
      ]);
    }
    const events: SlotEventRow[] = [
      ...opened.map((s) => slotEvent('slot.opened', s, at, watch, obs)),
      ...closed.map((s) => slotEvent('slot.closed', s, at, watch, obs)),
    ];
    await writeSlotEvents(tx, watch.id, obs.checkId, at, subjects.slotsChanged(naming, watch.provider, watch.id), events);
    return { applied: true, outcome: 'applied', opened: opened.length, closed: closed.length, held, recovered, blocked };
  });
}

function slotEvent(type: SlotChangedV1['type'], slot: ChangedSlot, at: Date, watch: LockedWatch, obs: SlotsObservedV1): SlotEventRow {
  const eventId = randomUUID();
  const closedAt = slot.closed_at ? new Date(slot.closed_at) : undefined;
  const payload: SlotChangedV1 = {
    v: 1,
    eventId,
    seq: 0, // drawn at insert, in commit order
    type,
    at: at.toISOString(),
    watch: { id: watch.id, name: watch.name, provider: watch.provider },
    visibility: watch.visibility,
    slot: {
      key: slot.slot_key,
      startsAt: slot.starts_local,
      attributes: slot.attributes,
      firstSeenAt: new Date(slot.first_seen).toISOString(),
      ...(closedAt ? { closedAt: closedAt.toISOString(), openSeconds: slot.open_seconds ?? 0 } : {}),
    },
    observedAt: obs.observedAt,
    checkId: obs.checkId,
  };
  return { id: eventId, kind: type, slotKey: slot.slot_key, openSeconds: closedAt ? (slot.open_seconds ?? 0) : null, payload };
}
