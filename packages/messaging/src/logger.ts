import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs (pino) by default; pretty when SAGA_LOG_PRETTY=true and pino-pretty is installed. Credentials are
 * redacted by path in case a config object is ever logged by mistake.
 */
/** Where a secret can sit in anything we might log: passwords, SASL blocks, and Redis URLs (they carry the password). */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  '*.*.*.password',
  'sasl',
  '*.sasl',
  '*.*.sasl',
  '*.*.*.sasl',
  'redis.url',
  '*.redis.url',
  '*.*.redis.url',
  'REDIS_URL',
  '*.REDIS_URL',
  'KAFKA_SASL_PASSWORD',
  '*.KAFKA_SASL_PASSWORD',
  'SCHEMA_REGISTRY_PASSWORD',
  '*.SCHEMA_REGISTRY_PASSWORD',
];

export function createLogger(
  service: string,
  level = process.env.LOG_LEVEL ?? 'info',
  destination?: NodeJS.WritableStream,
): Logger {
  const pretty = process.env.SAGA_LOG_PRETTY === 'true' && !destination;
  const options = {
    name: service,
    level,
    base: { service },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l' } } }
      : {}),
  };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}

/**
 * A child logger made on first use. The runtime binds ids to a child per record, but most records log nothing at
 * the configured level, and pino builds (and redacts) a child's bindings eagerly: ~4 % of a busy service's CPU.
 */
const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
const noop = (): void => undefined;

export function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const real = (): Logger => (child ??= parent.child(bindings));
  return new Proxy(parent, {
    get(_target, prop) {
      // A call below the level (e.g. a handler's debug line) must not build the child either.
      if (typeof prop === 'string' && LEVELS.has(prop) && !child && !parent.isLevelEnabled(prop)) return noop;
      const target = real();
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
