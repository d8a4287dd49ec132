export {
  createHttpClient,
  withHttpSpanOptions,
  HttpTimeoutError,
  HttpNetworkError,
  type HttpClient,
  type HttpRequest,
  type HttpResponse,
  type HttpClientOptions,
  type HttpSpanOptions,
} from './http.client';
export { fullJitter, withJitter, parseRetryAfter, type BackoffOptions } from './retry.policy';
