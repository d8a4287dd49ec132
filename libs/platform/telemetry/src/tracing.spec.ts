import { context, propagation, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { captureSpans } from './testing';
import { startTelemetry, type TelemetryHandle } from './tracing';

const handles: TelemetryHandle[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.shutdown();
});

function injected(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

describe('startTelemetry without an OTLP endpoint', () => {
  it('still makes real spans, so traceparent is injected', () => {
    const telemetry = startTelemetry({ serviceName: 'test' });
    handles.push(telemetry);
    telemetry.tracer.startActiveSpan('work', (span) => {
      expect(injected().traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
      span.end();
    });
  });

  it('shares one provider between the runners of a process and hands spans to captures', async () => {
    const capture = captureSpans();
    const a = startTelemetry({ serviceName: 'first' });
    const b = startTelemetry({ serviceName: 'second' });
    handles.push(a);
    b.tracer.startSpan('from b').end();
    await b.shutdown(); // a still runs: spans keep flowing
    a.tracer.startSpan('from a').end();
    expect(capture.spans().map((s) => s.name)).toEqual(['from b', 'from a']);
    expect(capture.spans()[0]!.resource.attributes['service.name']).toBe('first');
    await capture.stop();
  });

  it('registers afresh after the last user shut it down', async () => {
    await startTelemetry({ serviceName: 'once' }).shutdown();
    expect(trace.getTracer('x').startSpan('noop').spanContext().traceId).toBe('00000000000000000000000000000000');
    const again = startTelemetry({ serviceName: 'twice' });
    handles.push(again);
    const span = again.tracer.startSpan('real');
    expect(span.spanContext().traceId).not.toBe('00000000000000000000000000000000');
    span.end();
  });
});
