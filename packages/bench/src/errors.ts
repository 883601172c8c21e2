/** A bench failure the user can act on from its message; `code` is stable, `retriable` says whether rerunning may help. */
export class BenchError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retriable = false,
  ) {
    super(message);
    this.name = 'BenchError';
  }
}
