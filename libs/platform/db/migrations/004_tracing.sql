-- slotwatch schema, version 4: trace context across the two Postgres hops of a check
-- (differ → outbox → relay, notifier → deliveries → dispatcher), so one check is one trace
-- (docs/observability.md).
--
-- traceparent: the W3C `traceparent` (00-<trace id>-<span id>-<flags>) of the span that wrote the
-- row; null when the row was written outside a trace. The writer does not list the column: its
-- default reads the transaction-local setting `slotwatch.traceparent`, which the writing transaction
-- sets first (`SELECT set_config('slotwatch.traceparent', $1, true)`), so every row a transaction
-- inserts carries that transaction's context whatever its INSERT looks like. Unset, current_setting
-- answers null (never set in the session) or '' (set by an earlier transaction); both mean none.

-- writer: differ (read by its outbox relay: the relay's PRODUCER span is a child of this context)
ALTER TABLE outbox
  ADD COLUMN traceparent text DEFAULT NULLIF(current_setting('slotwatch.traceparent', true), '');

-- writer: notifier (read by its dispatcher: each delivery attempt's span is a child of this context)
ALTER TABLE deliveries
  ADD COLUMN traceparent text DEFAULT NULLIF(current_setting('slotwatch.traceparent', true), '');
