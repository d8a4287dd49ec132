import { context, propagation, trace, type Context, type Tracer } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK, resources } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type ReadableSpan, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TelemetryHandle {
  tracer: Tracer;
  /** Export what is still buffered. */
  flush(): Promise<void>;
  /** Flush and, for the last user in the process, shut the SDK down. Safe to call twice. */
  shutdown(): Promise<void>;
}

/**
 * Span processors added at run time (tests: an in-memory exporter). The SDK's own processor
 * forwards every span to them, so they see spans whenever they were added.
 */
const extraProcessors = new Set<SpanProcessor>();

/** Adds a span processor to every tracer provider of this process; returns the remover. */
export function addSpanProcessor(processor: SpanProcessor): () => void {
  extraProcessors.add(processor);
  return () => void extraProcessors.delete(processor);
}

/** Hands each span to the exporting processor (when there is one) and to the extra ones. */
class FanOutProcessor implements SpanProcessor {
  constructor(private readonly own: SpanProcessor[]) {}
  private all(): SpanProcessor[] {
    return [...this.own, ...extraProcessors];
  }
  onStart(span: Span, parent: Context): void {
    for (const p of this.all()) p.onStart(span, parent);
  }
  onEnd(span: ReadableSpan): void {
    for (const p of this.all()) p.onEnd(span);
  }
  async forceFlush(): Promise<void> {
    await Promise.all(this.all().map((p) => p.forceFlush()));
  }
  async shutdown(): Promise<void> {
    // Only our own: extra processors belong to whoever added them.
    await Promise.all(this.own.map((p) => p.shutdown()));
  }
}

/** One SDK per process, shared by every `runServices` in it (tests run several). */
let shared: { sdk: NodeSDK; processor: FanOutProcessor; users: number } | undefined;

/**
 * Starts the OpenTelemetry Node SDK once per process: a real tracer provider (so spans have ids
 * and `traceparent` is injected into NATS headers and outbox rows), the W3C trace-context and
 * baggage propagators, the AsyncLocalStorage context manager. Spans are exported over OTLP/HTTP
 * only when `otlpEndpoint` is set; otherwise they are made and dropped (logs still carry trace
 * ids). No auto-instrumentation, no OTel metrics or logs (metrics are Prometheus, logs are pino).
 * The first caller's service name names the process; later callers share its provider.
 */
export function startTelemetry(options: { serviceName: string; otlpEndpoint?: string }): TelemetryHandle {
  if (!shared) {
    const own: SpanProcessor[] = options.otlpEndpoint
      ? [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }))]
      : [];
    const processor = new FanOutProcessor(own);
    const sdk = new NodeSDK({
      serviceName: options.serviceName,
      // Host and OTEL_RESOURCE_ATTRIBUTES only: the process detector would copy the command line.
      resourceDetectors: [resources.envDetector, resources.hostDetector],
      // Types differ only by the patch version sdk-node pins; the processor is structural.
      spanProcessors: [processor as never],
      textMapPropagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
      instrumentations: [],
      metricReaders: [],
      logRecordProcessors: [],
    });
    sdk.start();
    shared = { sdk, processor, users: 0 };
  }
  const current = shared;
  current.users += 1;
  let done = false;
  return {
    tracer: trace.getTracer('slotwatch'),
    flush: () => current.processor.forceFlush(),
    async shutdown() {
      if (done) return;
      done = true;
      await current.processor.forceFlush();
      current.users -= 1;
      if (current.users > 0 || shared !== current) return;
      shared = undefined;
      await current.sdk.shutdown();
      // Unregister, so a later start in this process (tests) registers afresh.
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
