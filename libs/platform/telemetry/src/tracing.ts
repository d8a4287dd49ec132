import { trace, type Tracer } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';

export interface TelemetryHandle {
  tracer: Tracer;
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK only when an OTLP endpoint is configured; otherwise the API's
 * no-op tracer is used and nothing is exported. W3C trace context is the SDK's default propagator.
 */
export function startTelemetry(options: { serviceName: string; otlpEndpoint?: string }): TelemetryHandle {
  if (!options.otlpEndpoint) {
    return { tracer: trace.getTracer('slotwatch'), shutdown: async () => {} };
  }
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    traceExporter: new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }),
    instrumentations: [],
  });
  sdk.start();
  return { tracer: trace.getTracer('slotwatch'), shutdown: () => sdk.shutdown() };
}
