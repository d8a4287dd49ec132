import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The metrics every service exposes at /metrics. One registry per process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'slotwatch_process_' });
  return {
    registry,
    checks: new Counter({ name: 'slotwatch_checks_total', help: 'Checks run, by provider and snapshot status.', labelNames: ['provider', 'status'], registers: [registry] }),
    upstreamSeconds: new Histogram({ name: 'slotwatch_upstream_check_seconds', help: 'Duration of one provider check.', labelNames: ['provider'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] }),
    slotsOpened: new Counter({ name: 'slotwatch_slots_opened_total', help: 'Slots opened.', labelNames: ['provider'], registers: [registry] }),
    slotsClosed: new Counter({ name: 'slotwatch_slots_closed_total', help: 'Slots closed.', labelNames: ['provider'], registers: [registry] }),
    deliveries: new Counter({ name: 'slotwatch_deliveries_total', help: 'Delivery attempts, by channel and outcome.', labelNames: ['channel', 'outcome'], registers: [registry] }),
    deliveryLatency: new Histogram({ name: 'slotwatch_delivery_latency_seconds', help: 'From the slot event to the peer accepting it.', labelNames: ['channel'], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300], registers: [registry] }),
    outboxBacklog: new Gauge({ name: 'slotwatch_outbox_backlog', help: 'Outbox rows not yet published.', registers: [registry] }),
    messagesHandled: new Counter({ name: 'slotwatch_messages_total', help: 'NATS messages handled, by consumer and fate (ack, nak, term).', labelNames: ['consumer', 'fate'], registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
