import { Value } from 'typebox/value';
import type { Db } from '@slotwatch/db';
import { findProvider, providers } from '@slotwatch/providers';
import { badField } from './problem';
import { getWatch, insertWatch, updateWatch, type WatchChanges, type WatchView } from './watches.repository';

export interface NewWatch {
  provider: string;
  name: string;
  intervalSeconds: number;
  target: unknown;
  visibility?: 'public' | 'private';
}

/**
 * Checks a new watch against its provider (known provider, target schema, interval floor) and
 * stores it. The API and the CLI both call this; the scheduler picks the watch up within a tick.
 */
export async function createWatch(db: Db, input: NewWatch, owner: string | null, options: { minIntervalOverride?: number } = {}): Promise<WatchView> {
  const adapter = findProvider(input.provider);
  if (!adapter) {
    throw badField('provider', `provider "${input.provider}" is unknown; known providers: ${Object.keys(providers).join(', ')}`);
  }
  const floor = options.minIntervalOverride ?? adapter.minIntervalSeconds;
  if (input.intervalSeconds < floor) {
    throw badField(
      'intervalSeconds',
      `intervalSeconds ${input.intervalSeconds} is below the ${adapter.id} floor of ${floor} seconds; checking more often gets slotwatch blocked`,
    );
  }
  const target = Value.Default(adapter.targetSchema, structuredClone(input.target));
  if (!Value.Check(adapter.targetSchema, target)) {
    const errors = [...Value.Errors(adapter.targetSchema, target)];
    const first = errors[0];
    const path = first ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
    const missing = (first?.params as { requiredProperties?: string[] } | undefined)?.requiredProperties?.[0];
    const field = `target${path ? `.${path}` : ''}${missing ? `.${missing}` : ''}`;
    // The schema's own description of the field says what a right value looks like.
    const key = missing ?? path.split('.')[0];
    const help = key ? (adapter.targetSchema as { properties?: Record<string, { description?: string }> }).properties?.[key]?.description : undefined;
    throw badField(field, `${field} ${missing ? 'is required' : (first?.message ?? 'is invalid')} for a ${adapter.id} watch${help ? `: ${help}` : ''}`);
  }
  return insertWatch(db, {
    provider: adapter.id,
    name: input.name,
    target,
    intervalSeconds: input.intervalSeconds,
    visibility: input.visibility ?? adapter.defaultVisibility,
    owner,
  });
}

/**
 * Changes a watch's name, interval, active flag or visibility; the interval is held to the
 * provider's floor like at creation. The API (PATCH) and the CLI (`watch resume|pause`) call this.
 * Undefined when there is no such watch.
 */
export async function changeWatch(db: Db, id: string, changes: WatchChanges, options: { minIntervalOverride?: number } = {}): Promise<WatchView | undefined> {
  const current = await getWatch(db, id);
  if (!current) return undefined;
  if (changes.intervalSeconds !== undefined) {
    const adapter = findProvider(current.provider);
    const floor = options.minIntervalOverride ?? adapter?.minIntervalSeconds ?? 1;
    if (changes.intervalSeconds < floor) {
      throw badField(
        'intervalSeconds',
        `intervalSeconds ${changes.intervalSeconds} is below the ${current.provider} floor of ${floor} seconds; checking more often gets slotwatch blocked`,
      );
    }
  }
  return updateWatch(db, id, changes);
}
