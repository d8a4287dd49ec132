import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { consumers, streamName, streams, type ConsumerKey, type Naming } from '@slotwatch/contracts';

/** Creates or updates every stream and durable consumer; safe to run from every process at start. */
export async function provision(jsm: JetStreamManager, naming: Naming): Promise<void> {
  for (const spec of Object.values(streams)) {
    const config = {
      name: streamName(naming, spec.key),
      subjects: spec.subjects(naming),
      retention: spec.retention === 'workqueue' ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(spec.maxAgeSeconds * 1000),
      duplicate_window: nanos(spec.duplicateWindowSeconds * 1000),
    };
    try {
      await jsm.streams.info(config.name);
      await jsm.streams.update(config.name, config);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await jsm.streams.add(config);
    }
  }
  for (const key of Object.keys(consumers) as ConsumerKey[]) {
    const { stream, durable } = consumers[key];
    const name = streamName(naming, stream);
    await jsm.consumers.add(name, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(30_000),
      max_ack_pending: 10_000,
    });
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && /not found/i.test(error.message);
}
