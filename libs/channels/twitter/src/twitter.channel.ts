/**
 * The X (Twitter) channel: one post per attempt with `twitter-api-v2` (OAuth 1.0a user context: the
 * app key/secret from the environment, the account's user tokens), and a decision on purpose for
 * every answer (research §5b):
 * 201 → delivered · 403 "duplicate content" → delivered (it was posted before, e.g. an earlier
 * attempt timed out after X took it) · 429 → retry at `x-rate-limit-reset` (X sends no Retry-After;
 * the 24-hour user/app limits reset later and win when exhausted) · 5xx, network → retry ·
 * 401 / other 4xx → failed.
 * Every answer's rate-limit headers come back as the account's posting budget.
 */
import type { AttemptOutcome, Channel } from '@slotwatch/channel-core';
import { Agent as HttpAgent } from 'node:http';
import { ApiResponseError, TwitterApi, type TwitterRateLimit } from 'twitter-api-v2';

export interface TwitterPost {
  accessToken: string;
  accessSecret: string;
  text: string;
}

/** What X said is left, from `x-rate-limit-*` and `x-user-limit-24hour-*` / `x-app-limit-24hour-*`. */
export interface PostingBudget {
  limit: number;
  remaining: number;
  resetAt: Date;
  dayRemaining?: number;
  dayResetAt?: Date;
}

export type PostOutcome = AttemptOutcome & { budget?: PostingBudget; tweetId?: string; duplicate?: boolean };

export interface TwitterChannelOptions {
  appKey: string;
  appSecret: string;
  /** API v2 base, `https://api.x.com/2/` (the fake in tests: `http://127.0.0.1:<port>/2/`). */
  apiUrl?: string;
  /** Socket idle timeout; default 15 s. */
  timeoutMs?: number;
}

export interface TwitterChannel extends Channel<TwitterPost> {
  readonly id: 'twitter';
  send(post: TwitterPost): Promise<PostOutcome>;
  close(): void;
}

const DUPLICATE = /duplicate content/i;

export function createTwitterChannel(options: TwitterChannelOptions): TwitterChannel {
  const prefix = (options.apiUrl ?? 'https://api.x.com/2/').replace(/\/?$/, '/');
  // twitter-api-v2 sends through node:https with the agent given; a plain http agent is only for
  // the loopback fake, whose URL is http.
  const httpAgent = prefix.startsWith('http:') ? new HttpAgent({ keepAlive: true }) : undefined;
  const timeout = options.timeoutMs ?? 15_000;

  async function send(post: TwitterPost): Promise<PostOutcome> {
    const client = new TwitterApi(
      { appKey: options.appKey, appSecret: options.appSecret, accessToken: post.accessToken, accessSecret: post.accessSecret },
      httpAgent ? { httpAgent } : {},
    );
    const started = performance.now();
    try {
      const res = await client.v2.post<{ data: { id: string } }>('tweets', { text: post.text }, { fullResponse: true, prefix, timeout });
      return { kind: 'delivered', status: 201, durationMs: elapsed(started), response: JSON.stringify(res.data).slice(0, 4096), tweetId: res.data.data.id, budget: budgetOf(res.rateLimit) };
    } catch (error) {
      return outcomeOf(error, elapsed(started));
    }
  }

  return { id: 'twitter', send, close: () => httpAgent?.destroy() };
}

function outcomeOf(error: unknown, durationMs: number): PostOutcome {
  if (!(error instanceof ApiResponseError)) {
    return { kind: 'retry', durationMs, error: `X did not answer: ${error instanceof Error ? error.message : String(error)}` };
  }
  const status = error.code;
  const response = JSON.stringify(error.data ?? {}).slice(0, 4096);
  const budget = budgetOf(error.rateLimit);
  const detail = describe(error);
  if (status === 429) {
    const resetAt = exhaustedReset(error.rateLimit) ?? new Date(Date.now() + 15 * 60_000);
    return { kind: 'retry', status, durationMs, response, budget, error: `429 rate limited until ${resetAt.toISOString()}`, retryAfterMs: Math.max(0, resetAt.getTime() - Date.now()) };
  }
  if (status === 403 && DUPLICATE.test(detail)) {
    return { kind: 'delivered', status, durationMs, response, budget, duplicate: true };
  }
  if (status >= 500) return { kind: 'retry', status, durationMs, response, budget, error: `${status}: ${detail}` };
  return { kind: 'failed', status, durationMs, response, budget, error: `${status}: ${detail}` };
}

/** The reset of whichever window is spent: the 24 h one when it is, else the 15 min one. */
function exhaustedReset(rl: TwitterRateLimit | undefined): Date | undefined {
  if (!rl) return undefined;
  const day = [rl.userDay, rl.day].find((d) => d && d.remaining <= 0);
  const reset = day?.reset ?? rl.reset;
  return Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : undefined;
}

function budgetOf(rl: TwitterRateLimit | undefined): PostingBudget | undefined {
  if (!rl || !Number.isFinite(rl.remaining) || !Number.isFinite(rl.reset)) return undefined;
  const day = [rl.userDay, rl.day].filter((d) => d && Number.isFinite(d.remaining)).sort((a, b) => a!.remaining - b!.remaining)[0];
  return {
    limit: rl.limit,
    remaining: rl.remaining,
    resetAt: new Date(rl.reset * 1000),
    ...(day && { dayRemaining: day.remaining, dayResetAt: new Date(day.reset * 1000) }),
  };
}

function describe(error: ApiResponseError): string {
  const data = error.data as { detail?: string; title?: string; errors?: Array<{ message?: string }> } | undefined;
  return [data?.detail, data?.title, ...(data?.errors ?? []).map((e) => e.message)].filter(Boolean).join('; ') || error.message;
}

const elapsed = (started: number) => Math.round(performance.now() - started);
