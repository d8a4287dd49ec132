import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { addSpanProcessor } from './tracing';

export interface CapturedSpans {
  /** Every span ended since the capture began (or since `reset`). */
  spans(): ReadableSpan[];
  reset(): void;
  /** Stop capturing. */
  stop(): Promise<void>;
}

/**
 * Captures the spans of every tracer provider this process starts (the runner's, in tests) in
 * memory, exported as each span ends.
 */
export function captureSpans(): CapturedSpans {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  const remove = addSpanProcessor(processor);
  return {
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    async stop() {
      remove();
      await processor.shutdown();
    },
  };
}

export type { ReadableSpan };
