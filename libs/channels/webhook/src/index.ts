export { generateWebhookSecret, signPayload, WebhookSecretError } from './webhook.signature';
export { classifyAddress, inspectAddress, isAllowed, type AddressClass, type AddressVerdict } from './ssrf.policy';
export {
  checkWebhookUrl,
  createGuardedDispatcher,
  SsrfBlockedError,
  type GuardedDispatcherOptions,
  type LookupFunction,
  type WebhookUrlCheck,
} from './ssrf.guard';
export { nextAttemptDelayMs, WEBHOOK_RETRY_SCHEDULE_S, type RetryHints } from './webhook.schedule';
export { createCircuitBreaker, type CircuitBreaker, type CircuitBreakerOptions, type CircuitState } from './circuit.breaker';
export { CIRCUIT_OPEN, isCircuitOpen, createWebhookChannel, type WebhookChannel, type WebhookChannelOptions, type WebhookMessage } from './webhook.channel';
