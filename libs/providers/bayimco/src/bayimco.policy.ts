import type { Snapshot } from '@slotwatch/provider-core';
import type { StopPolicies } from './bayimco.config';
import type { SealedState } from './bayimco.seal';

/** The state key of a stop (sealed: it lifts by itself when the credentials are replaced). */
export const STOP_KEY = 'bayimco:stop';

type Policy = keyof StopPolicies;
interface Stop {
  policy: Policy;
  at: string;
  detail: string;
}

/**
 * c19ac's stop flags (research/bayimco.md §6.1–6.2): after a hit, a failure or a token failure, stop
 * calling until a person looks. A stop is kept in the watch's state; it lifts when the target no longer
 * asks for that policy, when the credentials are replaced, or when `clearBayimcoStop` removes it.
 */
export async function stoppedSnapshot(sealed: SealedState, policies: StopPolicies): Promise<Snapshot | undefined> {
  const stop = await sealed.get<Stop>(STOP_KEY);
  if (!stop) return undefined;
  if (!policies[stop.policy]) {
    await sealed.delete(STOP_KEY);
    return undefined;
  }
  return {
    status: 'blocked',
    scope: { keys: [] },
    slots: [],
    requests: 0,
    reason: `stopped_by_${stop.policy}`,
    detail: `checks stopped at ${stop.at} by ${stop.policy} (${stop.detail}); set target.policies.${stop.policy} to false, replace the credentials or clear the stop to resume`,
  };
}

/** Record a stop when the snapshot meets a policy; checks after this one make no calls. */
export async function applyPolicies(sealed: SealedState, policies: StopPolicies, snapshot: Snapshot, now: Date): Promise<void> {
  let policy: Policy | undefined;
  if (policies.stopOnSuccess && snapshot.status === 'ok' && snapshot.slots.length > 0) policy = 'stopOnSuccess';
  else if (policies.stopOnAuthFail && snapshot.status === 'auth_failed') policy = 'stopOnAuthFail';
  // c19ac let 500s pass silently: a "likely available" error is no reason to stop.
  else if (policies.stopOnFail && snapshot.status === 'error' && !snapshot.hint) policy = 'stopOnFail';
  if (!policy) return;
  const detail = snapshot.slots.length > 0 ? `appointment ${snapshot.slots[0]!.startsAt}` : (snapshot.reason ?? snapshot.status);
  await sealed.set<Stop>(STOP_KEY, { policy, at: now.toISOString(), detail });
}

/** Lift a stop by hand (for a `slotwatch watch resume`); the state is the watch's ProviderState. */
export async function clearBayimcoStop(state: { delete(key: string): Promise<void> }): Promise<void> {
  await state.delete(STOP_KEY);
}
