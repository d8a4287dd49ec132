-- slotwatch schema, version 5: what the api needs beyond 001.

-- writer: api. When each key last authenticated a request (written at most once a minute per key),
-- so operators can see stale keys before revoking them (`slotwatch keys list`, GET /v1/api-keys).
ALTER TABLE api_keys ADD COLUMN last_used_at timestamptz;

-- Index only (the rows stay the notifier's, except replay below): the api lists a webhook's
-- deliveries newest first (GET /v1/webhooks/:id/deliveries) and resets them for replay
-- (POST /v1/webhooks/:id/replay). Replay is the one deliberate exception to the one-writer rule:
-- the api sets matching rows back to pending and wakes the dispatcher with NOTIFY slotwatch_deliveries.
CREATE INDEX deliveries_subscription ON deliveries (channel, subscription_id, id);
