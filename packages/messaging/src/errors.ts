import { SagaError } from '@saga/contracts';

/** Another instance changed the same aggregate between our read and our write; safe to run the step again. */
export class ConcurrentModificationError extends SagaError {
  constructor(key: string) {
    super('CONCURRENT_MODIFICATION', `aggregate ${key} changed concurrently`, true);
    this.name = 'ConcurrentModificationError';
  }
}

/**
 * A step changed the part of a state its store keeps as constant (StateStoreOptions.constant): a bug in the step.
 * Not retriable, since the same input changes it again; the input is dead-lettered and the stored state stays.
 */
export class ConstantPartChangedError extends SagaError {
  constructor(key: string) {
    super('CONSTANT_PART_CHANGED', `a step changed the constant part of ${key}`, false);
    this.name = 'ConstantPartChangedError';
  }
}

export interface ErrorInfo {
  code: string;
  message: string;
  retriable: boolean;
}

/**
 * What the retry policy needs to know about any thrown value. Typed errors speak for themselves; anything else
 * (a Redis connection error, a timeout, a bug) counts as a retriable infrastructure fault, as the reference treats
 * Lambda.* errors: retried, then handed to the step's exhaustion path, never silently dropped.
 */
export function describeError(err: unknown): ErrorInfo {
  if (err instanceof SagaError) return { code: err.code, message: err.message, retriable: err.retriable };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INFRASTRUCTURE_FAULT', message, retriable: true };
}
