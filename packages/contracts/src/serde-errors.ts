import { SagaError } from './errors.js';

/**
 * Codes a consumer can branch on. Everything about the bytes themselves is permanent (dead-letter the message);
 * only the registry being unreachable is worth retrying.
 */
export const SerdeErrorCodes = {
  WRONG_MAGIC_BYTE: 'WRONG_MAGIC_BYTE',
  TRUNCATED: 'TRUNCATED',
  INVALID_PAYLOAD: 'INVALID_PAYLOAD',
  UNKNOWN_SCHEMA_ID: 'UNKNOWN_SCHEMA_ID',
  UNKNOWN_EVENT_TYPE: 'UNKNOWN_EVENT_TYPE',
  SCHEMA_INCOMPATIBLE: 'SCHEMA_INCOMPATIBLE',
  SCHEMA_NOT_REGISTERED: 'SCHEMA_NOT_REGISTERED',
  INVALID_EVENT: 'INVALID_EVENT',
  REGISTRY_REJECTED: 'REGISTRY_REJECTED',
  REGISTRY_UNAVAILABLE: 'REGISTRY_UNAVAILABLE',
} as const;
export type SerdeErrorCode = (typeof SerdeErrorCodes)[keyof typeof SerdeErrorCodes];

const RETRIABLE: ReadonlySet<SerdeErrorCode> = new Set([SerdeErrorCodes.REGISTRY_UNAVAILABLE]);

export class SerdeError extends SagaError {
  declare readonly code: SerdeErrorCode;
  constructor(code: SerdeErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, RETRIABLE.has(code), options);
  }
}

export function isSerdeError(err: unknown, code?: SerdeErrorCode): err is SerdeError {
  return err instanceof SerdeError && (code === undefined || err.code === code);
}
