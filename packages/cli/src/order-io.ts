import { Redis } from 'ioredis';
import { createSerde, type Serde } from '@saga/contracts';
import {
  createEventClient,
  createLogger,
  loadConnectionConfig,
  type ConnectionConfig,
  type EventClient,
} from '@saga/messaging';
import { fail } from './output.js';

/**
 * Short-lived connections for one CLI command. Nothing reconnects in the background, so a wrong URL or a stack that
 * is down fails fast with one line that says which piece is missing, instead of hanging or printing a stack trace.
 */
export async function withRedis<T>(run: (redis: Redis) => Promise<T>): Promise<T> {
  const conn = loadConnectionConfig().redis;
  const redis = new Redis(conn.url, {
    ...(conn.tls ? { tls: conn.tls } : {}),
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    retryStrategy: () => null,
  });
  let cause: unknown;
  redis.on('error', (err: unknown) => (cause = err)); // reported once below, not as unhandled 'error' events
  try {
    await redis.connect();
  } catch (err) {
    // The URL may carry a password, so it is not echoed.
    const reason = cause ?? err;
    fail(
      `cannot reach Redis (REDIS_URL): ${reason instanceof Error ? reason.message : String(reason)}. Is the stack up? (npx saga stack up)`,
    );
  }
  try {
    return await run(redis);
  } finally {
    redis.disconnect();
  }
}

/** Kafka logs stay silent (pino writes to stdout, which is the command's output); SAGA_DEBUG=1 shows warnings. */
export async function withEventClient<T>(run: (client: EventClient) => Promise<T>): Promise<T> {
  const conn = loadConnectionConfig();
  let client: EventClient;
  try {
    client = await createEventClient(conn, {
      clientId: 'saga-cli',
      logger: createLogger('saga-cli', process.env.SAGA_DEBUG ? 'warn' : 'silent'),
    });
  } catch (err) {
    fail(
      `cannot reach Kafka at ${conn.kafka.brokers.join(',')}: ${(err as Error).message}. Is the stack up? (npx saga stack up)`,
    );
  }
  try {
    return await run(client);
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** A reading serde: never registers anything, so a typo'd event can not create a subject by accident. */
export function readingSerde(conn: ConnectionConfig = loadConnectionConfig()): Serde {
  return createSerde({ ...conn.schemaRegistry, autoRegister: false });
}

/** Resolves after `ms`, or at once when `signal` aborts; for polling loops that must stop on Ctrl-C. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    // The listener goes when the timer fires, so a long polling loop does not pile them up on one signal.
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
