/** The outcome of one delivery attempt, as the dispatcher records and reschedules it. */
export type AttemptOutcome =
  /** The peer took it (webhook: any 2xx). */
  | { kind: 'delivered'; status?: number; durationMs: number; response?: string }
  /** Worth trying again later; `retryAfterMs` is the peer's own wish when it gave one. */
  | { kind: 'retry'; status?: number; durationMs: number; error: string; retryAfterMs?: number; response?: string; overloaded?: boolean }
  /** Will never work for this delivery (bad request, refused address). */
  | { kind: 'failed'; status?: number; durationMs: number; error: string; response?: string }
  /** The endpoint itself is gone (webhook 410): disable the subscription. */
  | { kind: 'disable'; status?: number; durationMs: number; error: string; response?: string };

/** A channel sends one prepared message to one subscription. */
export interface Channel<TMessage> {
  readonly id: 'webhook' | 'email' | 'twitter';
  send(message: TMessage, signal?: AbortSignal): Promise<AttemptOutcome>;
}
