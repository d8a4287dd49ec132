-- slotwatch schema, version 1. Each table names the one service that writes it; others only read.

-- writer: api
CREATE TABLE watches (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  provider      text NOT NULL,
  name          text NOT NULL,
  target        jsonb NOT NULL,
  interval_s    integer NOT NULL CHECK (interval_s > 0),
  active        boolean NOT NULL DEFAULT true,
  visibility    text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'private')),
  owner         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- writer: scheduler (when each watch is next due)
CREATE TABLE watch_schedule (
  watch_id      uuid PRIMARY KEY REFERENCES watches(id) ON DELETE CASCADE,
  next_due_at   timestamptz NOT NULL,
  last_tick     bigint
);

-- writer: differ (what the last checks said)
CREATE TABLE watch_health (
  watch_id              uuid PRIMARY KEY REFERENCES watches(id) ON DELETE CASCADE,
  state                 text NOT NULL DEFAULT 'unknown' CHECK (state IN ('available', 'none', 'unknown')),
  last_status           text,
  last_reason           text,
  last_detail           text,
  last_hint             text,
  last_attempt_at       timestamptz,
  last_success_at       timestamptz,
  last_observed_at      timestamptz,
  consecutive_failures  integer NOT NULL DEFAULT 0,
  next_allowed_at       timestamptz,
  open_slots            integer NOT NULL DEFAULT 0,
  updated_at            timestamptz NOT NULL DEFAULT now()
);

-- writer: differ
CREATE TABLE slots (
  watch_id      uuid NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
  slot_key      text NOT NULL,
  starts_at     timestamptz NOT NULL,
  starts_local  text NOT NULL,
  scope_key     text NOT NULL,
  attributes    jsonb NOT NULL DEFAULT '{}',
  first_seen    timestamptz NOT NULL,
  last_seen     timestamptz NOT NULL,
  closed_at     timestamptz,
  PRIMARY KEY (watch_id, slot_key)
);
CREATE INDEX slots_open ON slots (watch_id, scope_key) WHERE closed_at IS NULL;

-- writer: differ (observations already applied, for idempotent redelivery)
CREATE TABLE applied_observations (
  check_id      text PRIMARY KEY,
  watch_id      uuid NOT NULL,
  applied_at    timestamptz NOT NULL DEFAULT now()
);

-- writer: differ
CREATE TABLE slot_events (
  seq           bigserial PRIMARY KEY,
  id            uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  watch_id      uuid NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind IN ('slot.opened', 'slot.closed')),
  slot_key      text NOT NULL,
  payload       jsonb NOT NULL,
  check_id      text NOT NULL,
  at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX slot_events_watch ON slot_events (watch_id, seq);

-- writer: differ (transactional outbox; the relay publishes and marks)
CREATE TABLE outbox (
  id            bigserial PRIMARY KEY,
  event_id      uuid NOT NULL,
  subject       text NOT NULL,
  payload       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz
);
CREATE INDEX outbox_pending ON outbox (id) WHERE published_at IS NULL;

-- writer: scraper (sessions, tokens, handshakes per watch)
CREATE TABLE provider_state (
  watch_id      uuid NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
  key           text NOT NULL,
  value         jsonb NOT NULL,
  expires_at    timestamptz,
  PRIMARY KEY (watch_id, key)
);

-- writer: scraper (request budgets shared by every replica)
CREATE TABLE request_budget (
  bucket        text NOT NULL,
  window_start  timestamptz NOT NULL,
  calls         integer NOT NULL,
  PRIMARY KEY (bucket, window_start)
);

-- writer: api (operator-given secrets per watch, encrypted with SLOTWATCH_SECRET_KEY)
CREATE TABLE provider_credentials (
  watch_id      uuid PRIMARY KEY REFERENCES watches(id) ON DELETE CASCADE,
  sealed        text NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- writer: api
CREATE TABLE api_keys (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name          text NOT NULL,
  role          text NOT NULL CHECK (role IN ('admin', 'integrator')),
  prefix        text NOT NULL,
  hash          text NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz
);

-- writer: api (the secret is sealed with SLOTWATCH_SECRET_KEY)
CREATE TABLE webhooks (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_key_id  uuid REFERENCES api_keys(id) ON DELETE SET NULL,
  url           text NOT NULL,
  secret_sealed text NOT NULL,
  filter        jsonb NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz
);

-- writer: notifier (delivery health of each webhook)
CREATE TABLE webhook_state (
  webhook_id      uuid PRIMARY KEY REFERENCES webhooks(id) ON DELETE CASCADE,
  disabled_at     timestamptz,
  disabled_reason text,
  failing_since   timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- writer: notifier (the body each event is delivered with, shared by its deliveries)
CREATE TABLE notifier_events (
  event_id      uuid PRIMARY KEY,
  watch_id      uuid NOT NULL,
  event_at      timestamptz NOT NULL,
  body          text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- writer: notifier
CREATE TABLE deliveries (
  id              bigserial PRIMARY KEY,
  event_id        uuid NOT NULL REFERENCES notifier_events(event_id) ON DELETE CASCADE,
  channel         text NOT NULL CHECK (channel IN ('webhook', 'email', 'twitter')),
  subscription_id uuid NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_until    timestamptz,
  last_status     integer,
  last_error      text,
  delivered_at    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, channel, subscription_id)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';

-- writer: notifier
CREATE TABLE delivery_attempts (
  id            bigserial PRIMARY KEY,
  delivery_id   bigint NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  at            timestamptz NOT NULL DEFAULT now(),
  outcome       text NOT NULL,
  status        integer,
  duration_ms   integer NOT NULL,
  error         text,
  response      text
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);
