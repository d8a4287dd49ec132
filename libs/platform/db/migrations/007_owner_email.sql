-- writer: api. An address an API key subscribed (authenticated POST /v1/subscriptions) may follow that
-- key's private watches: a private watch's events go only to its owner's channels (issue 4).
ALTER TABLE email_subscribers ADD COLUMN owner_key_id uuid REFERENCES api_keys(id) ON DELETE SET NULL;
