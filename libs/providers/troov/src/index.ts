export { troovAdapter, createTroovAdapter, type TroovAdapterOptions } from './troov.adapter';
export { TroovTarget, TROOV_BASE_URL, type TroovProfile } from './troov.config';
export { fetchTeam, listServices, resolveService, type TroovService, type TroovTeam, type TroovZone } from './troov.discovery';
export { TROOV_PRESETS, findPreset, type TroovPreset } from './troov.presets';
export { TroovCallError, type TroovFailureKind } from './troov.client';
