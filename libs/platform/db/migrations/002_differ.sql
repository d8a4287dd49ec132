-- slotwatch schema, version 2: the differ's tri-state health, mass-closure guard, slot lifetimes,
-- event history, watch events, and an outbox that carries any message kind.
-- Every table and column below is written by the differ only; the api and the status page read them.

-- writer: differ.
--   stale_since: set by the stale detector when an active watch had no successful check for
--     SLOTWATCH_STALE_AFTER_INTERVALS of its intervals (state becomes unknown, watch.stale is emitted);
--     cleared by the next successful check (watch.recovered is emitted).
--   mass_close_held_at / mass_close_check_id: a snapshot would have closed every open slot of the
--     watch (at least SLOTWATCH_MASS_CLOSE_MIN of them); those closures wait for the next successful
--     snapshot to confirm them. Null when nothing is held.
--   open_slots: from now on kept exact by every applied snapshot (recomputed once here).
ALTER TABLE watch_health
  ADD COLUMN stale_since          timestamptz,
  ADD COLUMN mass_close_held_at   timestamptz,
  ADD COLUMN mass_close_check_id  text;
UPDATE watch_health h
SET open_slots = (SELECT count(*) FROM slots s WHERE s.watch_id = h.watch_id AND s.closed_at IS NULL);

-- writer: differ. last_seen is when the row last changed: an open slot that stays unchanged is not
-- rewritten, so "still open as of" is watch_health.last_success_at.
--   open_seconds: how long a closed slot was open (closed_at - first_seen, whole seconds); null
--   while the slot is open.
--   fingerprint: 52 bits of a hash of the slot's start, scope unit and attributes as last written, so a
--   snapshot finds its unchanged open slots by comparing keys and fingerprints only (null for rows
--   written before this migration: the next snapshot that sees them refreshes them, without events).
ALTER TABLE slots ADD COLUMN open_seconds integer, ADD COLUMN fingerprint bigint;
UPDATE slots SET open_seconds = GREATEST(0, round(extract(epoch FROM closed_at - first_seen)))::integer
WHERE closed_at IS NOT NULL;
-- The open slots of a watch with what a snapshot compares (key, fingerprint, scope unit), so the
-- diff's join can read the index alone.
DROP INDEX slots_open;
CREATE INDEX slots_open ON slots (watch_id, scope_key) INCLUDE (slot_key, fingerprint) WHERE closed_at IS NULL;
-- Retention pruning of long-closed slots.
CREATE INDEX slots_closed_at ON slots (closed_at) WHERE closed_at IS NOT NULL;

-- writer: differ. open_seconds on slot.closed events, so lifetimes outlive a slot's reopening.
-- seq is the history cursor: the differ allocates seqs under one transaction-level advisory lock
-- right before commit, so a reader paging with `seq > cursor` never skips an event that commits later.
ALTER TABLE slot_events ADD COLUMN open_seconds integer;
UPDATE slot_events SET open_seconds = round((payload -> 'slot' ->> 'openSeconds')::numeric)::integer
WHERE kind = 'slot.closed' AND payload -> 'slot' ? 'openSeconds';
CREATE INDEX slot_events_at ON slot_events USING brin (at);
CREATE INDEX slot_events_lifetimes ON slot_events (watch_id, open_seconds) WHERE kind = 'slot.closed';

-- Median slot lifetime per watch ("slots here last ~4 min"), over the retained slot.closed events.
-- Read with `WHERE watch_id = $1`; the filter is pushed below the aggregate.
CREATE VIEW slot_lifetimes AS
SELECT watch_id,
       count(*)::integer                                             AS closed_slots,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY open_seconds)     AS median_open_seconds,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY open_seconds)     AS p90_open_seconds,
       max(at)                                                       AS last_closed_at
FROM slot_events
WHERE kind = 'slot.closed' AND open_seconds IS NOT NULL
GROUP BY watch_id;

-- writer: differ (watch.stale / watch.recovered, published to WATCH_EVENTS through the outbox;
-- seq allocated like slot_events.seq)
CREATE TABLE watch_events (
  seq           bigserial PRIMARY KEY,
  id            uuid NOT NULL UNIQUE,
  watch_id      uuid NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind IN ('watch.stale', 'watch.recovered')),
  payload       jsonb NOT NULL,
  at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX watch_events_watch ON watch_events (watch_id, seq);
CREATE INDEX watch_events_at ON watch_events USING brin (at);

-- writer: differ. kind: the message kind the relay publishes the row as (contracts `messageKinds`);
-- watch_id: rows of one watch are published in id order, different watches side by side.
ALTER TABLE outbox
  ADD COLUMN kind      text NOT NULL DEFAULT 'slots.changed',
  ADD COLUMN watch_id  uuid;
UPDATE outbox SET watch_id = (payload -> 'watch' ->> 'id')::uuid WHERE watch_id IS NULL;
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;

-- writer: differ. Pruned once the OBSERVATIONS stream can no longer redeliver them.
CREATE INDEX applied_observations_at ON applied_observations (applied_at);
