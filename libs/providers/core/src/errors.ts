/** An upstream answered something the spec does not allow (HTML where JSON was due, wrong shape). */
export class UpstreamShapeError extends Error {
  override readonly name = 'UpstreamShapeError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A watch target does not fit the provider (unknown service name, bad id). */
export class TargetError extends Error {
  override readonly name = 'TargetError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
