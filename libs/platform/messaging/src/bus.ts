import { jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Tracer } from '@opentelemetry/api';
import { Compile } from 'typebox/compile';
import {
  consumers,
  messageKinds,
  streamName,
  type ConsumerKey,
  type MessageKind,
  type MessagePayloads,
  type Naming,
} from '@slotwatch/contracts';
import type { Logger } from 'pino';
import { fullJitter } from '@slotwatch/http';
import { PermanentFailure, RetryLater } from './errors';
import { provision } from './provision';
import { consumerSpan, producerSpan } from './trace-context';

const validators = Object.fromEntries(
  Object.entries(messageKinds).map(([kind, { schema }]) => [kind, Compile(schema)]),
) as Record<MessageKind, ReturnType<typeof Compile>>;

export interface DeliveryInfo {
  subject: string;
  deliveryCount: number;
  msg: JsMsg;
}

export interface Consumption {
  /** Stop taking messages, then wait for the ones in hand to finish. */
  stop(): Promise<void>;
  inFlight(): number;
}

export interface ConsumeOptions {
  /** Messages handled at once. */
  concurrency: number;
  /** Callback when a message's fate is decided (metrics). */
  onFate?: (fate: 'ack' | 'nak' | 'term') => void;
}

export interface Bus {
  readonly naming: Naming;
  readonly nc: NatsConnection;
  publish<K extends MessageKind>(kind: K, subject: string, payload: MessagePayloads[K], msgId: string): Promise<{ duplicate: boolean }>;
  consume<K extends MessageKind>(
    consumer: ConsumerKey,
    kind: K,
    handler: (payload: MessagePayloads[K], info: DeliveryInfo) => Promise<void>,
    options: ConsumeOptions,
  ): Promise<Consumption>;
  /** JetStream's counts for each durable consumer this process consumes (metrics). */
  consumerStats(): Promise<ConsumerStats[]>;
  /** Drain and close the connection. */
  close(): Promise<void>;
}

export interface ConsumerStats {
  consumer: string;
  /** In the stream, not yet delivered (`num_pending`). */
  pending: number;
  /** Delivered, not yet acknowledged (`num_ack_pending`). */
  ackPending: number;
}

export async function connectBus(options: { url: string; naming: Naming; tracer: Tracer; log: Logger; name: string }): Promise<Bus> {
  const nc = await connect({ servers: options.url, name: options.name, maxReconnectAttempts: -1 });
  const jsm = await jetstreamManager(nc);
  await provision(jsm, options.naming);
  const js = jetstream(nc);
  const { tracer, log } = options;
  const consuming = new Map<string, () => Promise<ConsumerStats>>();

  return {
    naming: options.naming,
    nc,
    async publish(kind, subject, payload, msgId) {
      if (!validators[kind].Check(payload)) {
        const errors = [...validators[kind].Errors(payload)].map((e) => `${e.instancePath || '/'} ${e.message}`);
        throw new PermanentFailure(`refusing to publish an invalid ${kind}: ${errors.slice(0, 3).join('; ')}`);
      }
      const body = JSON.stringify(payload);
      return producerSpan(tracer, subject, msgId, Buffer.byteLength(body), async (headers, span) => {
        const ack = await js.publish(subject, body, { msgID: msgId, headers });
        span.setAttributes({ 'messaging.nats.stream': ack.stream, 'messaging.nats.stream.sequence': ack.seq, 'messaging.nats.duplicate': ack.duplicate });
        return { duplicate: ack.duplicate };
      });
    },
    async consume(consumerKey, kind, handler, consumeOptions) {
      const { stream, durable } = consumers[consumerKey];
      const consumer = await js.consumers.get(streamName(options.naming, stream), durable);
      const messages: ConsumerMessages = await consumer.consume({ max_messages: consumeOptions.concurrency });
      consuming.set(durable, async () => {
        const info = await consumer.info();
        return { consumer: durable, pending: info.num_pending, ackPending: info.num_ack_pending };
      });
      const inFlight = new Set<Promise<void>>();
      let wake: (() => void) | undefined;

      const settle = (fate: 'ack' | 'nak' | 'term') => consumeOptions.onFate?.(fate);
      const handle = async (msg: JsMsg): Promise<void> => {
        const deliveryCount = msg.info.deliveryCount;
        const spanAttributes = { 'messaging.consumer.group.name': durable, 'messaging.message.delivery_count': deliveryCount, 'messaging.message.body.size': msg.data.length, 'messaging.nats.stream.sequence': msg.seq };
        await consumerSpan(tracer, msg.subject, msg.headers, spanAttributes, async () => {
          let payload: unknown;
          try {
            payload = msg.json();
          } catch {
            payload = undefined;
          }
          if (!validators[kind].Check(payload)) {
            const errors = [...validators[kind].Errors(payload)].map((e) => `${e.instancePath || '/'} ${e.message}`);
            log.error({ subject: msg.subject, errors: errors.slice(0, 5) }, `terminating an invalid ${kind} message`);
            msg.term('invalid payload');
            settle('term');
            return;
          }
          try {
            await handler(payload as MessagePayloads[typeof kind], { subject: msg.subject, deliveryCount, msg });
            msg.ack();
            settle('ack');
          } catch (error) {
            if (error instanceof PermanentFailure) {
              log.error({ err: error, subject: msg.subject }, 'terminating a message that can never be handled');
              msg.term(error.message);
              settle('term');
              return;
            }
            const delay = error instanceof RetryLater ? error.delayMs : 500 + fullJitter(deliveryCount, { baseMs: 500, maxMs: 30_000 });
            log.warn({ err: error, subject: msg.subject, deliveryCount, delayMs: delay }, 'message will be retried');
            msg.nak(delay);
            settle('nak');
          }
        });
      };

      const loop = (async () => {
        for await (const msg of messages) {
          while (inFlight.size >= consumeOptions.concurrency) {
            await new Promise<void>((resolve) => (wake = resolve));
          }
          const job: Promise<void> = handle(msg)
            .catch((error: unknown) => log.error({ err: error }, 'message handler crashed'))
            .finally(() => {
              inFlight.delete(job);
              wake?.();
            });
          inFlight.add(job);
        }
      })();

      return {
        inFlight: () => inFlight.size,
        async stop() {
          consuming.delete(durable);
          await messages.close();
          await loop.catch(() => undefined);
          await Promise.allSettled([...inFlight]);
        },
      };
    },
    async consumerStats() {
      return Promise.all([...consuming.values()].map((read) => read()));
    },
    async close() {
      if (!nc.isClosed()) await nc.drain();
    },
  };
}
