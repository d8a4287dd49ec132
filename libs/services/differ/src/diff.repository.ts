import { hash } from 'node:crypto';
import type { ObservedSlotV1, ScopeV1, SnapshotStatus, WatchStateV1 } from '@slotwatch/contracts';
import type { Tx } from '@slotwatch/db';

export interface ChangedSlot {
  slot_key: string;
  starts_local: string;
  attributes: Record<string, unknown>;
  first_seen: Date;
  closed_at: Date | null;
  open_seconds: number | null;
}

/** The watch and its health row, locked for the rest of the transaction. */
export interface LockedWatch {
  id: string;
  name: string;
  provider: string;
  visibility: 'public' | 'private';
  state: WatchStateV1;
  openSlots: number;
  lastSuccessAt: Date | null;
  staleSince: Date | null;
  massCloseHeldAt: Date | null;
  /** Status of the previous check (to tell a new block from a lasting one). */
  lastStatus: string | null;
  /** False when this check id was applied before (a redelivery). */
  fresh: boolean;
}

interface LockRow {
  id: string; name: string; provider: string; visibility: 'public' | 'private'; state: WatchStateV1; open_slots: number;
  last_success_at: Date | null; stale_since: Date | null; mass_close_held_at: Date | null; last_status: string | null; fresh: boolean;
}

/**
 * Marks the check id applied and locks the watch's health row, in one statement. The lock makes one
 * diff per watch at a time, across replicas; a concurrent redelivery of the same check id waits on
 * the first one's insert and then finds it applied. The no-op upsert is what takes the row lock
 * (and creates the row for a watch's first check).
 */
export async function lockWatch(tx: Tx, watchId: string, checkId: string): Promise<LockedWatch | undefined> {
  const [row] = await tx<LockRow[]>`
    WITH mark AS (
      INSERT INTO applied_observations (check_id, watch_id) VALUES (${checkId}, ${watchId})
      ON CONFLICT DO NOTHING RETURNING 1
    ),
    h AS (
      INSERT INTO watch_health AS h (watch_id) SELECT id FROM watches WHERE id = ${watchId}
      ON CONFLICT (watch_id) DO UPDATE SET watch_id = h.watch_id
      RETURNING h.watch_id, h.state, h.open_slots, h.last_success_at, h.stale_since, h.mass_close_held_at, h.last_status
    )
    SELECT w.id, w.name, w.provider, w.visibility, h.state, h.open_slots, h.last_success_at, h.stale_since,
           h.mass_close_held_at, h.last_status, EXISTS (SELECT 1 FROM mark) AS fresh
    FROM h JOIN watches w ON w.id = h.watch_id`;
  if (!row) return undefined;
  return {
    id: row.id, name: row.name, provider: row.provider, visibility: row.visibility, state: row.state,
    openSlots: row.open_slots, lastSuccessAt: row.last_success_at, staleSince: row.stale_since,
    massCloseHeldAt: row.mass_close_held_at, lastStatus: row.last_status, fresh: row.fresh,
  };
}

export interface SnapshotDiff {
  opened: ChangedSlot[];
  closed: ChangedSlot[];
  /** Open slots in scope the snapshot did not see (closed, or held by the guard). */
  vanished: number;
  /** Open slots before the snapshot. */
  openBefore: number;
}

export interface ApplyOptions {
  at: Date;
  /** Closing every open slot needs confirmation when at least this many are open; 0 = guard off. */
  guardMin: number;
  /** A previous snapshot's mass closure is waiting for this one to confirm it. */
  confirming: boolean;
}

interface DiffRow extends ChangedSlot {
  change: 'opened' | 'refreshed' | 'closed' | 'summary';
  vanished: number | null;
  open_before: number | null;
}

/**
 * What a slot looks like, in 52 bits: its start, scope unit and attributes. A seen slot whose
 * fingerprint matches its open row is unchanged, so the big statement below compares keys and
 * fingerprints only and never parses an unchanged slot's attributes.
 */
export function fingerprint(slot: ObservedSlotV1): number {
  // 52 bits: a safe integer, so no BigInt on the way to the bigint column.
  return parseInt(hash('sha1', `${slot.startsAt}\u0000${slot.scopeKey}\u0000${JSON.stringify(slot.attributes)}`).slice(0, 13), 16);
}

/**
 * The diff of one snapshot in two set-based statements (arrays through unnest). The first joins
 * the seen keys with the watch's open slots and closes the open ones inside the scope that were
 * not seen — unless that would close every open slot of a watch with at least `guardMin` of them
 * and this snapshot is not the one confirming it; it answers which seen slots need writing. The
 * second writes only those: new ones, closed ones that are back, and open ones whose facts
 * changed. Open slots that stay the same are neither written nor locked.
 */
export async function applySnapshot(tx: Tx, watchId: string, slots: ObservedSlotV1[], scope: ScopeV1, o: ApplyOptions): Promise<SnapshotDiff> {
  const all = 'all' in scope;
  const scopeKeys = 'keys' in scope ? scope.keys : [];
  // One row per key (the last one wins): a statement may not touch one row twice.
  const unique = new Map<string, ObservedSlotV1>();
  for (const s of slots) unique.set(s.key, s);
  const keys = [...unique.keys()];
  const prints = [...unique.values()].map(fingerprint);
  const rows = await tx<DiffRow[]>`
    WITH seen AS (
      SELECT * FROM unnest(${tx.array(keys)}::text[], ${tx.array(prints)}::bigint[]) AS s(slot_key, fingerprint)
    ),
    open_now AS (
      SELECT slot_key, scope_key, fingerprint FROM slots WHERE watch_id = ${watchId} AND closed_at IS NULL
    ),
    -- A full join runs as a hash or merge join whatever the row estimates say: one pass over each side.
    j AS (
      SELECT s.slot_key, o.slot_key AS open_key,
             s.slot_key IS NULL AND (${all} OR o.scope_key = ANY(${tx.array(scopeKeys)}::text[])) AS vanished,
             s.slot_key IS NOT NULL AND (o.slot_key IS NULL OR o.fingerprint IS DISTINCT FROM s.fingerprint) AS write
      FROM seen s FULL JOIN open_now o ON o.slot_key = s.slot_key
    ),
    tally AS (
      SELECT count(*) FILTER (WHERE vanished)::int AS vanished, count(open_key)::int AS open_before FROM j
    ),
    closed AS (
      UPDATE slots t SET
        closed_at = ${o.at}, last_seen = ${o.at},
        open_seconds = GREATEST(0, round(extract(epoch FROM ${o.at}::timestamptz - t.first_seen)))::int
      FROM j, tally g
      WHERE j.vanished AND t.watch_id = ${watchId} AND t.slot_key = j.open_key
        AND (${o.confirming} OR ${o.guardMin} = 0 OR g.open_before < ${o.guardMin} OR g.vanished < g.open_before)
      RETURNING t.slot_key, t.starts_local, t.attributes, t.first_seen, t.closed_at, t.open_seconds
    )
    SELECT 'closed' AS change, slot_key, starts_local, attributes, first_seen, closed_at, open_seconds,
           NULL::int AS vanished, NULL::int AS open_before FROM closed
    UNION ALL
    SELECT CASE WHEN open_key IS NULL THEN 'opened' ELSE 'refreshed' END, slot_key, NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM j WHERE write
    UNION ALL
    SELECT 'summary', NULL, NULL, NULL, NULL, NULL, NULL, vanished, open_before FROM tally`;

  const diff: SnapshotDiff = { opened: [], closed: [], vanished: 0, openBefore: 0 };
  const writes: ObservedSlotV1[] = [];
  for (const row of rows) {
    if (row.change === 'closed') diff.closed.push(row);
    else if (row.change === 'summary') {
      diff.vanished = row.vanished ?? 0;
      diff.openBefore = row.open_before ?? 0;
    } else {
      const slot = unique.get(row.slot_key)!;
      writes.push(slot);
      if (row.change === 'opened') {
        diff.opened.push({ slot_key: slot.key, starts_local: slot.startsAt, attributes: slot.attributes, first_seen: o.at, closed_at: null, open_seconds: null });
      }
    }
  }
  if (writes.length > 0) {
    // New, back after closing (the row is reused, its lifetime restarts), or open with new facts.
    await tx`
      INSERT INTO slots AS t (watch_id, slot_key, starts_at, starts_local, scope_key, attributes, fingerprint, first_seen, last_seen)
      SELECT ${watchId}, slot_key, starts_local::timestamptz, starts_local, scope_key, attributes, fingerprint, ${o.at}, ${o.at}
      FROM unnest(${tx.array(writes.map((s) => s.key))}::text[], ${tx.array(writes.map((s) => s.startsAt))}::text[],
                  ${tx.array(writes.map((s) => s.scopeKey))}::text[], ${tx.array(writes.map((s) => JSON.stringify(s.attributes)))}::jsonb[],
                  ${tx.array(writes.map(fingerprint))}::bigint[])
        AS w(slot_key, starts_local, scope_key, attributes, fingerprint)
      ON CONFLICT (watch_id, slot_key) DO UPDATE SET
        first_seen = CASE WHEN t.closed_at IS NULL THEN t.first_seen ELSE excluded.first_seen END,
        last_seen = excluded.last_seen, closed_at = NULL, open_seconds = NULL,
        starts_at = excluded.starts_at, starts_local = excluded.starts_local, scope_key = excluded.scope_key,
        attributes = excluded.attributes, fingerprint = excluded.fingerprint`;
  }
  // Stable event order within one snapshot: by slot key.
  const byKey = (a: ChangedSlot, b: ChangedSlot) => (a.slot_key < b.slot_key ? -1 : a.slot_key > b.slot_key ? 1 : 0);
  diff.opened.sort(byKey);
  diff.closed.sort(byKey);
  return diff;
}

export interface HealthUpdate {
  state: WatchStateV1;
  status: SnapshotStatus;
  reason: string | null;
  detail: string | null;
  hint: string | null;
  success: boolean;
  attemptAt: Date;
  observedAt: Date;
  nextAllowedAt: Date | null;
  openSlots: number;
  /** Clears stale_since (the watch recovered). */
  recovered: boolean;
  /** Sets (a time), keeps (undefined) or clears (null) the held mass closure. */
  massCloseHeldAt: Date | null | undefined;
  massCloseCheckId: string | null;
}

export async function updateHealth(tx: Tx, watchId: string, h: HealthUpdate): Promise<void> {
  const keepHold = h.massCloseHeldAt === undefined;
  await tx`
    UPDATE watch_health SET
      state = ${h.state},
      last_status = ${h.status}, last_reason = ${h.reason}, last_detail = ${h.detail}, last_hint = ${h.hint},
      last_attempt_at = GREATEST(last_attempt_at, ${h.attemptAt}::timestamptz),
      last_success_at = CASE WHEN ${h.success} THEN GREATEST(last_success_at, ${h.observedAt}::timestamptz) ELSE last_success_at END,
      last_observed_at = GREATEST(last_observed_at, ${h.observedAt}::timestamptz),
      consecutive_failures = CASE WHEN ${h.success} THEN 0 ELSE consecutive_failures + 1 END,
      next_allowed_at = ${h.nextAllowedAt},
      open_slots = ${h.openSlots},
      stale_since = CASE WHEN ${h.recovered} THEN NULL ELSE stale_since END,
      mass_close_held_at = CASE WHEN ${keepHold} THEN mass_close_held_at ELSE ${h.massCloseHeldAt ?? null}::timestamptz END,
      mass_close_check_id = CASE WHEN ${keepHold} THEN mass_close_check_id ELSE ${h.massCloseCheckId} END,
      updated_at = now()
    WHERE watch_id = ${watchId}`;
}
