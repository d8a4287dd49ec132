import type { ProviderState, RequestBudget } from './provider';

/** In-process state, for the `slotwatch check` dry run and unit tests. */
export class MemoryProviderState implements ProviderState {
  private readonly map = new Map<string, { value: unknown; expires: number }>();
  async get<T>(key: string): Promise<T | undefined> {
    const hit = this.map.get(key);
    if (!hit || hit.expires < Date.now()) return undefined;
    return hit.value as T;
  }
  async set<T>(key: string, value: T, ttlSeconds?: number): Promise<void> {
    this.map.set(key, { value, expires: ttlSeconds ? Date.now() + ttlSeconds * 1000 : Infinity });
  }
  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }
}

/** A budget that never refuses, for dry runs against fakes. */
export class UnlimitedBudget implements RequestBudget {
  async take(): Promise<{ ok: true }> {
    return { ok: true };
  }
}
