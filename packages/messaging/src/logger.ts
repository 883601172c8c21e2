import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs (pino) by default; pretty when SAGA_LOG_PRETTY=true and pino-pretty is installed. Credentials are
 * redacted by path in case a config object is ever logged by mistake.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  const pretty = process.env.SAGA_LOG_PRETTY === 'true';
  return pino({
    name: service,
    level,
    base: { service },
    redact: {
      paths: ['*.password', '*.*.password', 'password', '*.sasl', '*.*.sasl', 'redis.url', '*.redis.url'],
      censor: '[redacted]',
    },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l' } } }
      : {}),
  });
}
