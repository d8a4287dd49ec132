import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * A gauge read at scrape time: each service that owns the fact registers a source (a query on
 * its own table, a JetStream consumer info), so /metrics is never staler than the scrape. A source
 * that fails leaves the last values in place.
 */
export type ScrapedGauge<L extends string> = Gauge<L> & {
  /** Registers (or replaces) the source named `key`; returns its remover. */
  source(key: string, read: (gauge: Gauge<L>) => Promise<void>): () => void;
};

function scrapedGauge<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): ScrapedGauge<L> {
  const sources = new Map<string, (gauge: Gauge<L>) => Promise<void>>();
  const gauge = new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      await Promise.all([...sources.values()].map((read) => read(gauge).catch(() => undefined)));
    },
  });
  return Object.assign(gauge, {
    source(key: string, read: (gauge: Gauge<L>) => Promise<void>) {
      sources.set(key, read);
      return () => void sources.delete(key);
    },
  });
}

/** The metrics every service exposes at /metrics. One registry per `runServices`. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'slotwatch_process_' });
  return {
    registry,
    // scheduler
    checksRequested: new Counter({ name: 'slotwatch_checks_requested_total', help: 'check.requested messages the scheduler published, by provider.', labelNames: ['provider'], registers: [registry] }),
    // scraper
    checks: new Counter({ name: 'slotwatch_checks_total', help: 'Checks run, by provider and snapshot status (ok, partial, error, blocked, rate_limited, auth_failed…).', labelNames: ['provider', 'status'], registers: [registry] }),
    upstreamSeconds: new Histogram({ name: 'slotwatch_upstream_check_seconds', help: 'Duration of one provider check (all its upstream calls).', labelNames: ['provider'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] }),
    budgetRemaining: scrapedGauge(registry, 'slotwatch_request_budget_remaining', 'Calls left in the current window of each per-host request budget (request_budget).', ['bucket']),
    // differ
    slotsOpened: new Counter({ name: 'slotwatch_slots_opened_total', help: 'Slots opened.', labelNames: ['provider'], registers: [registry] }),
    slotsClosed: new Counter({ name: 'slotwatch_slots_closed_total', help: 'Slots closed.', labelNames: ['provider'], registers: [registry] }),
    outboxBacklog: new Gauge({ name: 'slotwatch_outbox_backlog', help: 'Outbox rows not yet published.', registers: [registry] }),
    watches: scrapedGauge(registry, 'slotwatch_watches', 'Watches by provider and state (available, none, unknown, paused), from watch_health.', ['provider', 'state']),
    // notifier
    deliveries: new Counter({ name: 'slotwatch_deliveries_total', help: 'Delivery attempts, by channel and outcome (delivered, retry, failed, disable).', labelNames: ['channel', 'outcome'], registers: [registry] }),
    deliveryLatency: new Histogram({ name: 'slotwatch_delivery_latency_seconds', help: 'From the slot event to the peer accepting it.', labelNames: ['channel'], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300], registers: [registry] }),
    // every consumer
    messagesHandled: new Counter({ name: 'slotwatch_messages_total', help: 'NATS messages handled, by consumer and fate (ack, nak, term).', labelNames: ['consumer', 'fate'], registers: [registry] }),
    consumerPending: scrapedGauge(registry, 'slotwatch_consumer_pending', 'Messages in the stream not yet delivered to the durable consumer (JetStream num_pending).', ['consumer']),
    consumerAckPending: scrapedGauge(registry, 'slotwatch_consumer_ack_pending', 'Messages delivered to the consumer and not yet acknowledged (JetStream num_ack_pending).', ['consumer']),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
