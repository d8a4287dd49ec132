import type { ProviderAdapter } from '@slotwatch/provider-core';
import { troovAdapter } from '@slotwatch/provider-troov';

/** Every provider slotwatch knows, by id. Adding a provider is one line here. */
export const providers: Record<string, ProviderAdapter<never>> = {
  troov: troovAdapter as ProviderAdapter<never>,
};

export function findProvider(id: string): ProviderAdapter<never> | undefined {
  return Object.hasOwn(providers, id) ? providers[id] : undefined;
}
