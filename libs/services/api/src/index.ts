export { apiService } from './api.service';
export { buildApp, type AppDeps } from './app';
export { createWatch, changeWatch, type NewWatch } from './watches.service';
export { listWatches, getWatch, deleteWatch, type WatchView } from './watches.repository';
export { createApiKey, ensureBootstrapKey, listApiKeys, revokeApiKey, type ApiKeyView, type Role } from './keys.repository';
export { createWebhook, listWebhooks } from './webhooks.service';
export { Problem } from './problem';
export { putCredentials, credentialProblems, handOverSession } from './credentials.service';
