import type { ProviderAdapter } from '@slotwatch/provider-core';
import { createBayimcoAdapter, type BayimcoAdapterOptions } from '@slotwatch/provider-bayimco';
import { createTroovAdapter, type TroovAdapterOptions } from '@slotwatch/provider-troov';

export interface ProviderOptions {
  troov?: TroovAdapterOptions;
  bayimco?: BayimcoAdapterOptions;
}

/** Every provider slotwatch knows, by id, with the operator's politeness settings. Adding a provider is one line here. */
export function createProviders(options: ProviderOptions = {}): Record<string, ProviderAdapter<never>> {
  return {
    troov: createTroovAdapter(options.troov) as ProviderAdapter<never>,
    bayimco: createBayimcoAdapter(options.bayimco) as ProviderAdapter<never>,
  };
}

/** The providers with default settings (metadata, validation). */
export const providers = createProviders();

export function findProvider(id: string, registry: Record<string, ProviderAdapter<never>> = providers): ProviderAdapter<never> | undefined {
  return Object.hasOwn(registry, id) ? registry[id] : undefined;
}
