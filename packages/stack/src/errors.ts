import type { PartName } from './config.js';

/** Every error the stack throws on purpose carries one of these codes; callers switch on `code`, never on text. */
export type StackErrorCode =
  | 'STACK_CONFIG_INVALID'
  | 'JAVA_NOT_FOUND'
  | 'JAVA21_NOT_FOUND'
  | 'MAVEN_NOT_FOUND'
  | 'REDIS_NOT_FOUND'
  | 'PORT_IN_USE'
  | 'DOWNLOAD_FAILED'
  | 'KAFKA_FORMAT_FAILED'
  | 'PART_EXITED'
  | 'PART_UNHEALTHY'
  | 'STACK_LOCKED'
  | 'STOP_FAILED'
  | 'UNKNOWN_PART'
  | 'STACK_MODE_MISMATCH'
  | 'SECRET_MISSING'
  | 'ACL_SETUP_FAILED'
  | 'TLS_SETUP_FAILED'
  | 'NOT_SECURED'
  | 'ROTATE_FAILED';

/** An expected failure of the local stack: the message says what happened and what to do about it. */
export class StackError extends Error {
  readonly code: StackErrorCode;
  readonly part: PartName | undefined;
  constructor(code: StackErrorCode, message: string, options: { part?: PartName; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StackError';
    this.code = code;
    this.part = options.part;
  }
}

/** Who holds a port, as far as /proc tells. */
export interface PortHolder {
  pid: number;
  command: string;
}

export interface PortConflict {
  part: PartName;
  /** Which of the part's ports, e.g. "Kafka listener", "Kafka controller". */
  role: string;
  port: number;
  holder: PortHolder | undefined;
}

export function describeConflict(c: PortConflict): string {
  const who = c.holder ? `held by pid ${c.holder.pid} (${c.holder.command})` : 'held by another process';
  return `port ${c.port} (${c.role}, ${c.part}) is already in use, ${who}`;
}

export class PortInUseError extends StackError {
  readonly port: number;
  readonly conflicts: readonly PortConflict[];
  constructor(conflicts: readonly PortConflict[]) {
    const first = conflicts[0];
    if (!first) throw new Error('PortInUseError needs at least one conflict');
    const lines = conflicts.map((c) => `  - ${describeConflict(c)}`);
    super(
      'PORT_IN_USE',
      `Cannot start the local stack:\n${lines.join('\n')}\n` +
        'Stop that process (if it is an older stack: `npx saga stack down`), or move the stack to free ports with ' +
        'SAGA_KAFKA_PORT, SAGA_KAFKA_CONTROLLER_PORT, SAGA_REGISTRY_PORT, SAGA_REGISTRY_MANAGEMENT_PORT, SAGA_REDIS_PORT ' +
        '(and point the services at them with KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL).',
      { part: first.part },
    );
    this.name = 'PortInUseError';
    this.port = first.port;
    this.conflicts = conflicts;
  }
}

/** A part that exited or did not answer its health check in time; carries the end of its log. */
export class PartFailedError extends StackError {
  readonly logFile: string;
  readonly logTail: readonly string[];
  constructor(
    code: 'PART_EXITED' | 'PART_UNHEALTHY',
    part: PartName,
    summary: string,
    logFile: string,
    logTail: readonly string[],
  ) {
    const tail = logTail.length > 0 ? logTail.map((l) => `  | ${l}`).join('\n') : '  | (the log is empty)';
    const hint = knownCause(part, logTail);
    super(
      code,
      `${summary}\nLast lines of ${logFile}:\n${tail}\n${hint ? `${hint}\n` : ''}` +
        `See the whole log with \`npx saga stack logs ${part}\`; fix the cause and run \`npx saga stack up\` again.`,
      { part },
    );
    this.name = 'PartFailedError';
    this.logFile = logFile;
    this.logTail = logTail;
  }
}

/**
 * What a log line means when the fix is not in the log itself. Valkey 8 writes RDB version 11, which Redis 7.0 cannot
 * read: a stack that ran Valkey and then finds only redis-server cannot load its own data.
 */
function knownCause(part: PartName, logTail: readonly string[]): string | undefined {
  if (part === 'redis' && logTail.some((l) => /Can't handle RDB format version/.test(l))) {
    return (
      'Its data was written by a newer server than this one (Valkey 8 writes a format Redis 7.0 cannot read). ' +
      'Run the server that wrote it (install valkey-server, or SAGA_REDIS_SERVER=<path>), or move the data dir ' +
      'away to start with an empty store. Nothing in it was changed.'
    );
  }
  return undefined;
}

export function isStackError(err: unknown): err is StackError {
  return err instanceof StackError;
}
