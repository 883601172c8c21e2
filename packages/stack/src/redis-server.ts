import { StackError } from './errors.js';
import { findOnPath, isExecutableFile } from './system.js';
import type { StackConfig } from './config.js';

/**
 * The servers the stack can run as its Redis, in the order it looks for them on PATH. Valkey first: the Redis fork
 * that Debian 13 ships (Debian 12 in bookworm-backports) grows its key tables without the burst of Redis 7.0, the
 * only Redis Debian 12 has. At 1,000 sagas/s that burst set the p99 (BENCHMARKS.md, session 14).
 */
export const REDIS_SERVERS = ['valkey-server', 'redis-server'] as const;

export function findRedisServer(config: Pick<StackConfig, 'redisServer' | 'env'>): string {
  if (config.redisServer) {
    if (isExecutableFile(config.redisServer)) return config.redisServer;
    throw new StackError(
      'REDIS_NOT_FOUND',
      `SAGA_REDIS_SERVER=${config.redisServer} is not an executable file. ` +
        'Point it at valkey-server or redis-server, or unset it.',
      { part: 'redis' },
    );
  }
  for (const name of REDIS_SERVERS) {
    const found = findOnPath(name, config.env.PATH);
    if (found) return found;
  }
  throw new StackError(
    'REDIS_NOT_FOUND',
    'Neither valkey-server nor redis-server is on PATH. Install one (the stack starts its own instance, the ' +
      'system service is not needed): `apt-get install -y valkey-server` (Debian 13+; on Debian 12 from ' +
      'bookworm-backports: `apt-get install -y -t bookworm-backports valkey-server`) or ' +
      '`apt-get install -y redis-server`. Or run Redis another way (e.g. docker compose) and set REDIS_URL, or set ' +
      'SAGA_REDIS_SERVER=<path to the server>.',
    { part: 'redis' },
  );
}

/** `valkey 8.0.1` or `redis 7.0.15` from `INFO server` (Valkey also reports the Redis version it is compatible with). */
export function serverVersion(info: string): string | null {
  const field = (name: string): string | undefined =>
    new RegExp(`^${name}:(.+)$`, 'm').exec(info)?.[1]?.trim();
  const valkey = field('valkey_version');
  if (valkey) return `valkey ${valkey}`;
  const redis = field('redis_version');
  return redis ? `redis ${redis}` : null;
}
