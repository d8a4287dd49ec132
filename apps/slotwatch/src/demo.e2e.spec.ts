import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestInfra, testConfig, type TestInfra } from '@slotwatch/testing';
import { runDemo } from './demo.command';

let infra: TestInfra;
beforeAll(async () => {
  infra = await createTestInfra('demo');
});
afterAll(async () => {
  await infra?.cleanup();
});

describe('slotwatch demo', () => {
  it('shows a newcomer slots found and signed webhooks received', { timeout: 60_000 }, async () => {
    const lines: string[] = [];
    const summary = await runDemo(testConfig(infra, { logLevel: 'silent' }), { durationS: 12, everyS: 1, out: (l) => lines.push(l) });
    expect(summary.opened).toBeGreaterThan(0);
    expect(summary.webhooks).toBeGreaterThan(0);
    expect(summary.verified).toBe(summary.webhooks);
    expect(lines.join('\n')).toMatch(/webhook slot\.opened .* signature verified/);
    expect(summary.mails).toBeGreaterThan(0);
    expect(summary.posts).toBeGreaterThan(0);
  });
});
