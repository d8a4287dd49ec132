-- slotwatch schema, version 3: email and X (Twitter) channels, coalescing buffers, webhook secret
-- rotation and the long-failure disable. Each table names its one writer.

-- writer: api (a rotated secret keeps signing, as a second `v1,` signature, until it expires; the
-- notifier reads both when it signs).
ALTER TABLE webhooks
  ADD COLUMN previous_secret_sealed     text,
  ADD COLUMN previous_secret_expires_at timestamptz;

-- writer: notifier. webhook_state.failing_since (from 001) is now kept: set by the first failed
-- attempt after a success, cleared by the next success; a failure when it is 5 days old disables the
-- endpoint. Operational events (webhook.disabled) belong to no watch.
ALTER TABLE notifier_events ALTER COLUMN watch_id DROP NOT NULL;

-- writer: api (public email alerts with double opt-in). The address is sealed with
-- SLOTWATCH_SECRET_KEY and never logged; email_hash (sha256 of the lower-cased address) finds a
-- returning subscriber. filter: {watchIds?, from?: 'YYYY-MM-DD', to?: 'YYYY-MM-DD',
-- earliestTime?: 'HH:MM'} on the slot's local date and time. quiet_start/quiet_end: 'HH:MM' in
-- time_zone (may wrap midnight). The unsubscribe token is stable per subscriber (one-click
-- unsubscribe is idempotent); its hash finds the row, the sealed copy goes into every mail.
CREATE TABLE email_subscribers (
  id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email_sealed             text NOT NULL,
  email_hash               text NOT NULL UNIQUE,
  language                 text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'fr')),
  time_zone                text NOT NULL DEFAULT 'UTC',
  filter                   jsonb NOT NULL DEFAULT '{}',
  quiet_start              text CHECK (quiet_start ~ '^\d\d:\d\d$'),
  quiet_end                text CHECK (quiet_end ~ '^\d\d:\d\d$'),
  min_count                integer NOT NULL DEFAULT 1 CHECK (min_count >= 1),
  cooldown_s               integer NOT NULL DEFAULT 0 CHECK (cooldown_s >= 0),
  unsubscribe_token_hash   text NOT NULL UNIQUE,
  unsubscribe_token_sealed text NOT NULL,
  created_at               timestamptz NOT NULL DEFAULT now(),
  confirmed_at             timestamptz,
  unsubscribed_at          timestamptz
);

-- writer: api (single-use confirmation links). token_hash finds the row; token_sealed is what the
-- notifier puts in the mail, cleared when the link is used. settings: the preferences the
-- subscription takes when confirmed (a returning address changes nothing until it confirms).
CREATE TABLE email_confirmations (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subscriber_id  uuid NOT NULL REFERENCES email_subscribers(id) ON DELETE CASCADE,
  token_hash     text NOT NULL UNIQUE,
  token_sealed   text,
  settings       jsonb NOT NULL DEFAULT '{}',
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  used_at        timestamptz
);
CREATE INDEX email_confirmations_unused ON email_confirmations (created_at) WHERE used_at IS NULL;

-- writer: notifier (sending the confirmation mails the api asked for, with a lease and retries).
CREATE TABLE email_confirmation_sends (
  confirmation_id uuid PRIMARY KEY REFERENCES email_confirmations(id) ON DELETE CASCADE,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_until    timestamptz,
  last_error      text,
  sent_at         timestamptz
);

-- writer: notifier (what sending taught about a subscriber: a hard bounce stops all mail).
CREATE TABLE email_subscriber_state (
  subscriber_id  uuid PRIMARY KEY REFERENCES email_subscribers(id) ON DELETE CASCADE,
  bounced_at     timestamptz,
  bounce_reason  text,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- writer: notifier (per-watch cooldown of each subscriber).
CREATE TABLE email_watch_cooldowns (
  subscriber_id  uuid NOT NULL REFERENCES email_subscribers(id) ON DELETE CASCADE,
  watch_id       uuid NOT NULL,
  last_sent_at   timestamptz NOT NULL,
  PRIMARY KEY (subscriber_id, watch_id)
);

-- writer: api (one X account per watch or group of watches; app key/secret come from the
-- environment, the user tokens are sealed JSON {accessToken, accessSecret} and never shown again).
CREATE TABLE twitter_accounts (
  id             uuid PRIMARY KEY,
  name           text NOT NULL,
  watch_ids      uuid[] NOT NULL,
  language       text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'fr')),
  tokens_sealed  text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  disabled_at    timestamptz
);
CREATE INDEX twitter_accounts_watches ON twitter_accounts USING gin (watch_ids);

-- writer: notifier (each account's posting budget as X last reported it in x-rate-limit-* and
-- x-user-limit-24hour-* headers; shared by every replica and kept across restarts).
CREATE TABLE twitter_state (
  account_id     uuid PRIMARY KEY REFERENCES twitter_accounts(id) ON DELETE CASCADE,
  limit_window   integer,
  remaining      integer,
  reset_at       timestamptz,
  day_remaining  integer,
  day_reset_at   timestamptz,
  last_post_at   timestamptz,
  last_error     text,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- writer: notifier. The coalescing buffer of the email and X channels: one open batch per
-- (channel, subscription) collects the deliveries of a window (digest / coalesce window); the
-- dispatcher claims it when due (FOR UPDATE SKIP LOCKED), builds one mail or post from it and the
-- current state, and records each attempt. kind 'still-open': the digest sent when a subscriber's
-- quiet hours end, built from the open slots of watch_ids. content: an X post's text, reused on a
-- retry so a post that went through before a timeout comes back as "duplicate content".
CREATE TABLE notify_batches (
  id              bigserial PRIMARY KEY,
  channel         text NOT NULL CHECK (channel IN ('email', 'twitter')),
  subscription_id uuid NOT NULL,
  kind            text NOT NULL DEFAULT 'alerts' CHECK (kind IN ('alerts', 'still-open')),
  status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'pending', 'sent', 'failed', 'cancelled', 'requeued')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  locked_until    timestamptz,
  watch_ids       uuid[] NOT NULL DEFAULT '{}',
  summary         boolean NOT NULL DEFAULT false,
  content         text,
  last_error      text,
  sent_at         timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX notify_batches_open ON notify_batches (channel, subscription_id) WHERE status = 'open' AND kind = 'alerts';
CREATE UNIQUE INDEX notify_batches_still_open ON notify_batches (channel, subscription_id, next_attempt_at) WHERE status = 'open' AND kind = 'still-open';
CREATE INDEX notify_batches_due ON notify_batches (next_attempt_at) WHERE status IN ('open', 'pending');

-- writer: notifier (every attempt at sending a batch: status, latency, error, first 4 KB of the answer).
CREATE TABLE notify_batch_attempts (
  id           bigserial PRIMARY KEY,
  batch_id     bigint NOT NULL REFERENCES notify_batches(id) ON DELETE CASCADE,
  at           timestamptz NOT NULL DEFAULT now(),
  outcome      text NOT NULL,
  status       integer,
  duration_ms  integer NOT NULL,
  error        text,
  response     text
);
CREATE INDEX notify_batch_attempts_batch ON notify_batch_attempts (batch_id, id);

-- writer: notifier. Email and X deliveries (one per event × subscription, as for webhooks) belong to
-- the batch that will carry them.
ALTER TABLE deliveries ADD COLUMN batch_id bigint REFERENCES notify_batches(id) ON DELETE SET NULL;
CREATE INDEX deliveries_batch ON deliveries (batch_id) WHERE batch_id IS NOT NULL;
-- The webhook dispatcher's claim: pending email and X deliveries wait in their batch and stay out of
-- it. It replaces 001's deliveries_due, which nothing reads any more (one index less to maintain on
-- every delivery write).
CREATE INDEX deliveries_webhook_due ON deliveries (next_attempt_at) WHERE status = 'pending' AND channel = 'webhook';
DROP INDEX deliveries_due;
-- Room on each page so a lease (locked_until, attempts) is a HOT update that touches no index.
ALTER TABLE deliveries SET (fillfactor = 70);
