export {
  createHttpClient,
  HttpTimeoutError,
  HttpNetworkError,
  type HttpClient,
  type HttpRequest,
  type HttpResponse,
  type HttpClientOptions,
} from './http.client';
export { fullJitter, withJitter, parseRetryAfter, type BackoffOptions } from './retry.policy';
