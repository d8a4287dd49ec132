export { bayimcoAdapter, createBayimcoAdapter, type BayimcoAdapterOptions } from './bayimco.adapter';
export { BayimcoTarget, BAYIMCO_BASE_URL, BAYIMCO_AUTH_URL, BAYIMCO_CLIENT_ID, BAYIMCO_UPSTREAM_LIMIT } from './bayimco.config';
export { validateBayimcoCredentials, type BayimcoCredentials } from './bayimco.credentials';
export { listSites, listCitizens, type BayimcoSite, type DiscoveryOptions } from './bayimco.discovery';
export { BayimcoCallError, type BayimcoFailureKind } from './bayimco.client';
export { inProcessLock, type RefreshLock } from './bayimco.lock';
export { clearBayimcoStop, STOP_KEY as BAYIMCO_STOP_KEY } from './bayimco.policy';
export { VACCINES as BAYIMCO_VACCINES } from './bayimco.schema';
