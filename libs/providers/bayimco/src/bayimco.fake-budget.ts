import type { RequestBudget } from '@slotwatch/provider-core';

/**
 * An in-memory fixed-window budget that behaves like the scraper's Postgres one (windows aligned to
 * the epoch, refused before the call, retryAfter = the window's end), on any clock. For tests that must
 * see a budget refuse, where UnlimitedBudget would hide it.
 */
export class FixedWindowBudget implements RequestBudget {
  private readonly windows = new Map<string, number>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  async take(bucket: string, limit: { calls: number; perSeconds: number }): Promise<{ ok: true } | { ok: false; retryAfter: Date }> {
    const size = limit.perSeconds * 1000;
    const start = Math.floor(this.now().getTime() / size) * size;
    const key = `${bucket}@${start}`;
    const used = this.windows.get(key) ?? 0;
    if (used >= limit.calls) return { ok: false, retryAfter: new Date(start + size) };
    this.windows.set(key, used + 1);
    return { ok: true };
  }

  /** Calls granted in the current window of a bucket. */
  used(bucket: string, perSeconds: number): number {
    const size = perSeconds * 1000;
    return this.windows.get(`${bucket}@${Math.floor(this.now().getTime() / size) * size}`) ?? 0;
  }
}
