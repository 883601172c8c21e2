/**
 * Shared base for typed errors across the saga. `code` is stable (callers and metrics branch on it, never on the
 * message); `retriable` tells a consumer whether retrying the same input can succeed (infrastructure hiccup) or
 * whether the input must be parked (dead-lettered) because it will fail the same way every time.
 */
export class SagaError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
