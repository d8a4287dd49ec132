import type { ProviderState } from '@slotwatch/provider-core';

const CALLS_KEY = 'bayimco:next-calls';

/**
 * When this watch called appointments/next, over the upstream's window. BayIMCO answers 404 past
 * about 30 calls in 15 minutes, the same 404 as "no appointment" (research/bayimco.md §4.1), so a 404
 * can only be believed while our own count says we are inside that limit. The shared budget is a fixed
 * window and cannot say how many calls the last 15 minutes held (two windows' worth can meet at a
 * boundary), hence this sliding log in the watch's state.
 */
export class CallLog {
  constructor(
    private readonly state: ProviderState,
    private readonly limit: { calls: number; perSeconds: number },
  ) {}

  /** Note a call about to be made; answers how many calls the window holds with it. */
  async record(now: Date): Promise<{ count: number; retryAfter: Date }> {
    const at = now.getTime();
    const windowMs = this.limit.perSeconds * 1000;
    const times = ((await this.state.get<number[]>(CALLS_KEY)) ?? []).filter((t) => typeof t === 'number' && t > at - windowMs && t <= at);
    times.push(at);
    times.sort((a, b) => a - b);
    const kept = times.slice(-Math.max(this.limit.calls * 3, 100));
    await this.state.set(CALLS_KEY, kept, this.limit.perSeconds);
    // The next call fits once the oldest calls beyond `limit - 1` have left the window.
    const pivot = kept[kept.length - this.limit.calls];
    return { count: times.length, retryAfter: new Date(pivot !== undefined ? pivot + windowMs : at) };
  }
}
