/** The handler wants the message again later (upstream down, lock busy). */
export class RetryLater extends Error {
  override readonly name = 'RetryLater';
  constructor(message: string, readonly delayMs: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The message can never be handled (invalid, refers to nothing); it is terminated, not retried. */
export class PermanentFailure extends Error {
  override readonly name = 'PermanentFailure';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
