-- writer: differ. watch.blocked: the upstream started shutting a watch out (captcha, refused
-- credentials), so an operator must act.
ALTER TABLE watch_events DROP CONSTRAINT watch_events_kind_check;
ALTER TABLE watch_events ADD CONSTRAINT watch_events_kind_check CHECK (kind IN ('watch.stale', 'watch.recovered', 'watch.blocked'));
