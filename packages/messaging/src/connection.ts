import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Where Kafka, the schema registry and Redis are. One shape for every environment (local stack, docker compose,
 * managed services); unset variables fall back to the local stack's defaults (`npx saga stack up`).
 */
export const LOCAL_STACK_DEFAULTS = {
  KAFKA_BROKERS: '127.0.0.1:19092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
  REDIS_URL: 'redis://127.0.0.1:16379',
} as const;

const nonEmpty = z.string().trim().min(1);

const ConnectionEnv = z.object({
  KAFKA_BROKERS: nonEmpty.default(LOCAL_STACK_DEFAULTS.KAFKA_BROKERS),
  SCHEMA_REGISTRY_URL: z.url().default(LOCAL_STACK_DEFAULTS.SCHEMA_REGISTRY_URL),
  REDIS_URL: z
    .url({
      protocol: /^(rediss?|unix)$/,
      error: 'expected redis://, rediss:// or unix:///path/to/redis.sock',
    })
    .refine((u) => !u.startsWith('unix:') || /^unix:\/\/\/[^?#]+$/.test(u), {
      error: 'a unix socket URL is unix:///absolute/path/to/redis.sock (no host, query or fragment)',
    })
    .default(LOCAL_STACK_DEFAULTS.REDIS_URL),
  KAFKA_SASL_MECHANISM: z.enum(['scram-sha-256', 'scram-sha-512', 'plain']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  KAFKA_SSL: z.enum(['true', 'false']).optional(),
  // A private CA (PEM) the brokers' / Redis' certificates must chain to, e.g. the secured local stack's. Without it
  // TLS trusts node's default CAs.
  KAFKA_SSL_CA_FILE: z.string().optional(),
  REDIS_TLS_CA_FILE: z.string().optional(),
  SCHEMA_REGISTRY_USERNAME: z.string().optional(),
  SCHEMA_REGISTRY_PASSWORD: z.string().optional(),
  // Secrets from files (e.g. `saga stack env <service>` on a secured stack, or mounted secrets): the value never
  // has to sit in the environment, where `ps e` and crash dumps show it.
  KAFKA_SASL_PASSWORD_FILE: z.string().optional(),
  SCHEMA_REGISTRY_PASSWORD_FILE: z.string().optional(),
  REDIS_USERNAME: z.string().optional(),
  REDIS_PASSWORD_FILE: z.string().optional(),
});

/** Reads a secret file (one value, surrounding whitespace dropped); an error names the variable and path only. */
function readSecretFile(variable: string, path: string, issues: string[]): string | undefined {
  try {
    const value = readFileSync(path, 'utf8').trim();
    if (value === '') issues.push(`${variable}: ${path} is empty`);
    return value === '' ? undefined : value;
  } catch (err) {
    issues.push(`${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

/** Reads a CA certificate file (PEM); an unreadable or non-PEM file is an issue naming the variable and path. */
function readCaFile(variable: string, path: string, issues: string[]): string | undefined {
  try {
    const pem = readFileSync(path, 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      issues.push(`${variable}: ${path} holds no PEM certificate`);
      return undefined;
    }
    return pem;
  } catch (err) {
    issues.push(`${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

/**
 * REDIS_URL as ioredis takes it, with the Redis ACL user and password put in: a `redis(s)://` URL (percent-encoded
 * by the URL setters), or for `unix:///path/redis.sock` the socket's path with them as query parameters (ioredis
 * reads a leading `/` as a socket path, and would read `unix://` as a host name).
 */
function redisTarget(url: string, username: string | undefined, password: string | undefined): string {
  const u = new URL(url);
  if (u.protocol === 'unix:') {
    const query = new URLSearchParams();
    if (username !== undefined) query.set('username', username);
    if (password !== undefined) query.set('password', password);
    const path = decodeURIComponent(u.pathname);
    return query.size === 0 ? path : `${path}?${query.toString()}`;
  }
  if (username === undefined && password === undefined) return url;
  if (username !== undefined) u.username = username;
  if (password !== undefined) u.password = password;
  return u.toString();
}

/** TLS settings in the shape kafkajs (`ssl`) and ioredis (`tls`) take; `ca` replaces the default trust store. */
export interface TlsTrust {
  ca: string[];
}

export interface ConnectionConfig {
  kafka: {
    brokers: string[];
    /** false: plaintext; true: TLS with node's default CAs; an object: TLS trusting exactly these CAs. */
    ssl: boolean | TlsTrust;
    sasl?: { mechanism: 'scram-sha-256' | 'scram-sha-512' | 'plain'; username: string; password: string };
  };
  schemaRegistry: { url: string; username?: string; password?: string };
  /**
   * `tls` is set when REDIS_TLS_CA_FILE is: pass it as ioredis' `tls` option. A `rediss://` URL alone turns TLS on
   * in ioredis with node's default CAs. `url` is a socket path for a `unix://` REDIS_URL (ioredis takes both).
   */
  redis: { url: string; tls?: TlsTrust };
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly retriable = false;
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses and validates the connection settings once; secrets stay in the returned object and are never logged. */
export function loadConnectionConfig(env: NodeJS.ProcessEnv = process.env): ConnectionConfig {
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConnectionEnv.safeParse(blankAsUnset);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const issues: string[] = [];
  const file = (variable: string, path: string | undefined) =>
    path === undefined ? undefined : readSecretFile(variable, path, issues);
  const kafkaPassword = e.KAFKA_SASL_PASSWORD ?? file('KAFKA_SASL_PASSWORD_FILE', e.KAFKA_SASL_PASSWORD_FILE);
  const registryPassword =
    e.SCHEMA_REGISTRY_PASSWORD ?? file('SCHEMA_REGISTRY_PASSWORD_FILE', e.SCHEMA_REGISTRY_PASSWORD_FILE);
  const redisPassword = file('REDIS_PASSWORD_FILE', e.REDIS_PASSWORD_FILE);
  const kafkaCa = e.KAFKA_SSL_CA_FILE
    ? readCaFile('KAFKA_SSL_CA_FILE', e.KAFKA_SSL_CA_FILE, issues)
    : undefined;
  const redisCa = e.REDIS_TLS_CA_FILE
    ? readCaFile('REDIS_TLS_CA_FILE', e.REDIS_TLS_CA_FILE, issues)
    : undefined;
  // A CA with TLS switched off is a contradiction, not a preference: refuse rather than send credentials in clear.
  if (e.KAFKA_SSL_CA_FILE && e.KAFKA_SSL === 'false')
    issues.push('KAFKA_SSL_CA_FILE is set but KAFKA_SSL=false: unset one of them');
  if (e.REDIS_TLS_CA_FILE && !e.REDIS_URL.startsWith('rediss://'))
    issues.push('REDIS_TLS_CA_FILE is set but REDIS_URL is not rediss:// (TLS): use rediss://');
  if (issues.length > 0) throw new ConfigError(issues);
  const brokers = e.KAFKA_BROKERS.split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  let sasl: ConnectionConfig['kafka']['sasl'];
  if (e.KAFKA_SASL_MECHANISM) {
    if (!e.KAFKA_SASL_USERNAME || !kafkaPassword) {
      throw new ConfigError([
        'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) are required with KAFKA_SASL_MECHANISM',
      ]);
    }
    sasl = {
      mechanism: e.KAFKA_SASL_MECHANISM,
      username: e.KAFKA_SASL_USERNAME,
      password: kafkaPassword,
    };
  }
  const ssl = kafkaCa ? { ca: [kafkaCa] } : e.KAFKA_SSL === 'true';
  return {
    kafka: { brokers, ssl, ...(sasl ? { sasl } : {}) },
    schemaRegistry: {
      url: e.SCHEMA_REGISTRY_URL.replace(/\/+$/, ''),
      ...(e.SCHEMA_REGISTRY_USERNAME ? { username: e.SCHEMA_REGISTRY_USERNAME } : {}),
      ...(registryPassword ? { password: registryPassword } : {}),
    },
    redis: {
      url: redisTarget(e.REDIS_URL, e.REDIS_USERNAME, redisPassword),
      ...(redisCa ? { tls: { ca: [redisCa] } } : {}),
    },
  };
}
