import type { Db } from '@slotwatch/db';
import { findProvider } from '@slotwatch/providers';

/** What the public may see: public, active watches only (status page, feeds, SSE). Never a private watch. */

export interface PublicSlot {
  key: string;
  /** ISO 8601 with the offset of the watch's zone. */
  startsAt: string;
  firstSeenAt: string;
}

export type SourceHealth = 'ok' | 'stale' | 'blocked' | 'rate_limited' | 'auth_failed' | 'error' | 'pending';

export interface PublicWatch {
  id: string;
  name: string;
  provider: string;
  /** IANA zone of the watch when its target names one. */
  timezone: string | null;
  state: 'available' | 'none' | 'unknown';
  source: SourceHealth;
  reason: string | null;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  intervalSeconds: number;
  openSlots: PublicSlot[];
  /** How many open slots there are in all (openSlots holds at most the first 50). */
  openCount: number;
  medianOpenSeconds: number | null;
  bookingUrl: string | null;
  /** X accounts that post this watch's slots. */
  xAccounts: string[];
}

const SLOTS_SHOWN = 50;
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/**
 * Source health as people should read it. Stale: the differ flagged it, or no check has succeeded
 * for three intervals (and at least two minutes).
 */
export function sourceHealth(h: { lastStatus: string | null; lastAttemptAt: Date | null; lastSuccessAt: Date | null; staleSince: Date | null; intervalSeconds: number }, now = Date.now()): SourceHealth {
  if (!h.lastAttemptAt) return 'pending';
  if (h.lastStatus === 'blocked') return 'blocked';
  if (h.lastStatus === 'rate_limited') return 'rate_limited';
  if (h.lastStatus === 'auth_failed') return 'auth_failed';
  const staleAfterMs = Math.max(3 * h.intervalSeconds, 120) * 1000;
  if (h.staleSince || !h.lastSuccessAt || now - new Date(h.lastSuccessAt).getTime() > staleAfterMs) return 'stale';
  if (h.lastStatus === 'error') return 'error';
  return 'ok';
}

interface WatchRow {
  id: string; name: string; provider: string; target: Record<string, unknown>; interval_s: number; state: PublicWatch['state'] | null;
  last_status: string | null; last_reason: string | null; last_attempt_at: Date | null; last_success_at: Date | null; stale_since: Date | null;
  open_slots: number | null; median_open_seconds: number | null;
}

export async function listPublicWatches(db: Db, only?: string): Promise<PublicWatch[]> {
  const watches = await db<WatchRow[]>`
    SELECT w.id, w.name, w.provider, w.target, w.interval_s, h.state, h.last_status, h.last_reason, h.last_attempt_at,
           h.last_success_at, h.stale_since, h.open_slots, l.median_open_seconds
    FROM watches w
    LEFT JOIN watch_health h ON h.watch_id = w.id
    LEFT JOIN slot_lifetimes l ON l.watch_id = w.id
    WHERE w.visibility = 'public' AND w.active AND ${only ? db`w.id = ${only}` : db`true`}
    ORDER BY w.name, w.id`;
  if (watches.length === 0) return [];
  const ids = watches.map((w) => w.id);
  const slots = await db<{ watch_id: string; slot_key: string; starts_local: string; first_seen: Date }[]>`
    SELECT watch_id, slot_key, starts_local, first_seen FROM (
      SELECT s.*, row_number() OVER (PARTITION BY s.watch_id ORDER BY s.starts_at, s.slot_key) AS n
      FROM slots s WHERE s.watch_id = ANY(${db.array(ids)}::uuid[]) AND s.closed_at IS NULL
    ) t WHERE n <= ${SLOTS_SHOWN} ORDER BY watch_id, n`;
  const accounts = await db<{ name: string; watch_ids: string[] }[]>`
    SELECT name, watch_ids FROM twitter_accounts WHERE disabled_at IS NULL AND watch_ids && ${db.array(ids)}::uuid[] ORDER BY name`;
  return watches.map((w) => {
    const open = slots.filter((s) => s.watch_id === w.id).map((s) => ({ key: s.slot_key, startsAt: s.starts_local, firstSeenAt: iso(s.first_seen)! }));
    const adapter = findProvider(w.provider);
    let bookingUrl: string | null = null;
    try {
      bookingUrl = adapter?.bookingUrl?.(w.target as never) ?? null;
    } catch {
      bookingUrl = null;
    }
    return {
      id: w.id, name: w.name, provider: w.provider, timezone: typeof w.target.timezone === 'string' ? w.target.timezone : null,
      state: w.state ?? 'unknown',
      source: sourceHealth({ lastStatus: w.last_status, lastAttemptAt: w.last_attempt_at, lastSuccessAt: w.last_success_at, staleSince: w.stale_since, intervalSeconds: w.interval_s }),
      reason: w.last_reason, lastAttemptAt: iso(w.last_attempt_at), lastSuccessAt: iso(w.last_success_at), intervalSeconds: w.interval_s,
      openSlots: open, openCount: Math.max(w.open_slots ?? 0, open.length),
      medianOpenSeconds: w.median_open_seconds === null ? null : Math.round(Number(w.median_open_seconds)),
      bookingUrl, xAccounts: accounts.filter((a) => a.watch_ids.includes(w.id)).map((a) => a.name),
    };
  });
}
