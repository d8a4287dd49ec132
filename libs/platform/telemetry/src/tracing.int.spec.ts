import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTelemetry } from './tracing';

describe('startTelemetry with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('exports the spans over OTLP/HTTP to <endpoint>/v1/traces when flushed', async () => {
    const received: Array<{ path: string; type: string; size: number }> = [];
    const server = createServer((req, res) => {
      let size = 0;
      req.on('data', (c: Buffer) => (size += c.length));
      req.on('end', () => {
        received.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', size });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const telemetry = startTelemetry({ serviceName: 'export-test', otlpEndpoint: endpoint });
      telemetry.tracer.startSpan('exported').end();
      await telemetry.shutdown();
      expect(received).toHaveLength(1);
      expect(received[0]!.path).toBe('/v1/traces');
      expect(received[0]!.type).toBe('application/json'); // exporter-trace-otlp-http speaks OTLP/JSON
      expect(received[0]!.size).toBeGreaterThan(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
