import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import type { TracerProvider } from '@opentelemetry/api';
import { z } from 'zod';
import {
  createSerde,
  type Clock,
  type IdGenerator,
  type SagaEvent,
  type ServiceName,
  type Topic,
} from '@saga/contracts';
import { loadConnectionConfig, type ConnectionConfig } from './connection.js';
import {
  createEventProcessor,
  DEFAULT_FETCH,
  type EventProcessor,
  type FetchTuning,
} from './event-processor.js';
import type { EventHandler } from './handler.js';
import { createHttpServer } from './health-server.js';
import { createKafka } from './kafka.js';
import { createLogger, type Logger } from './logger.js';
import { ServiceMetrics, startLagMonitor } from './metrics.js';
import { sendRecords, toOutboundRecords, type EventCodec } from './publisher.js';
import { RetryStore } from './retry-store.js';
import { createTracing, initTracing, type TraceContextHeaders } from './tracing.js';

const DEFAULT_HTTP_PORTS: Record<ServiceName, number> = {
  order: 3000,
  payment: 3001,
  inventory: 3002,
  shipping: 3003,
};

export interface ServiceConfig {
  service: ServiceName;
  httpPort: number;
  httpHost: string;
  /** Multiplies every retry delay: 1 in production, e.g. 0.01 in tests and demos. */
  timeScale: number;
  /** Consumer fetch tuning: a fetch returns once `minBytes` are there or after `maxWaitMs`. */
  fetch: FetchTuning;
  connection: ConnectionConfig;
}

const ServiceEnv = z.object({
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  HTTP_HOST: z.string().default('127.0.0.1'),
  SAGA_TIME_SCALE: z.coerce.number().positive().max(1000).default(1),
  SAGA_FETCH_MIN_BYTES: z.coerce.number().int().min(1).max(1_048_576).default(DEFAULT_FETCH.minBytes),
  SAGA_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(1).max(5_000).default(DEFAULT_FETCH.maxWaitMs),
  SAGA_MIN_ROUND_MS: z.coerce.number().int().min(0).max(1_000).default(DEFAULT_FETCH.minRoundMs),
});

export function loadServiceConfig(service: ServiceName, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const e = ServiceEnv.parse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  return {
    service,
    httpPort: e.HTTP_PORT ?? DEFAULT_HTTP_PORTS[service],
    httpHost: e.HTTP_HOST,
    timeScale: e.SAGA_TIME_SCALE,
    fetch: {
      minBytes: e.SAGA_FETCH_MIN_BYTES,
      maxWaitMs: e.SAGA_FETCH_MAX_WAIT_MS,
      minRoundMs: e.SAGA_MIN_ROUND_MS,
    },
    connection: loadConnectionConfig(env),
  };
}

/** What a service's handler (and routes) are built from. */
export interface ServiceDeps {
  service: ServiceName;
  redis: Redis;
  logger: Logger;
  clock: Clock;
  ids: IdGenerator;
  timeScale: number;
  codec: EventCodec;
  /**
   * Publishes events outside the consumer loop (the order service's HTTP API), in a producer span continuing
   * `trace` (e.g. the HTTP request's `traceparent`) or starting the saga's trace.
   */
  publish(events: SagaEvent[], trace?: TraceContextHeaders): Promise<void>;
}

export interface ServiceModule {
  name: ServiceName;
  topics: readonly Topic[];
  createHandler(deps: ServiceDeps): EventHandler;
  routes?(app: FastifyInstance, deps: ServiceDeps): void;
}

export interface RunningService {
  config: ServiceConfig;
  http: FastifyInstance;
  url: string;
  processor: EventProcessor;
  deps: ServiceDeps;
  metrics: ServiceMetrics;
  stop(): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now() };
export const uuidIds: IdGenerator = { next: () => randomUUID() };

export interface StartOptions {
  /** A tracer provider (tests: an in-memory exporter); default: the OTLP SDK if configured, else no-op. */
  tracerProvider?: TracerProvider;
  /** How often consumer lag is refreshed (ms). */
  lagIntervalMs?: number;
}

/** Builds and starts one service: Redis, Kafka producer and consumer, retry loop, HTTP. Tests call it directly. */
export async function startService(
  module: ServiceModule,
  config: ServiceConfig,
  opts: StartOptions = {},
): Promise<RunningService> {
  const logger = createLogger(module.name);
  const tracing = opts.tracerProvider ? createTracing(opts.tracerProvider) : await initTracing(module.name);
  const redis = new Redis(config.connection.redis.url, {
    enableAutoPipelining: true,
    maxRetriesPerRequest: 2,
    lazyConnect: true,
    // A secured stack's Redis speaks TLS under its own CA (REDIS_TLS_CA_FILE).
    ...(config.connection.redis.tls ? { tls: config.connection.redis.tls } : {}),
  });
  await redis.connect();
  const kafka = createKafka(config.connection, `${module.name}-${process.pid}`, logger);
  const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
  await producer.connect();
  const codec = createSerde(config.connection.schemaRegistry);
  const retries = new RetryStore(redis, module.name);
  const metrics = new ServiceMetrics(module.name, {
    parkedCount: () => retries.parkedCount(),
  });
  const deps: ServiceDeps = {
    service: module.name,
    redis,
    logger,
    clock: systemClock,
    ids: uuidIds,
    timeScale: config.timeScale,
    codec,
    publish: async (events, trace = {}) => {
      const name = `${module.name} publish ${events.map((e) => e.type).join(',')}`;
      const orderId = events[0]?.metadata.orderId ?? '';
      await tracing.produce(name, trace, { orderId }, async (outgoing) => {
        const records = await toOutboundRecords(codec, events, outgoing);
        await sendRecords(producer, records);
        metrics.sent(records);
      });
    },
  };
  const processor = createEventProcessor({
    handler: module.createHandler(deps),
    kafka,
    producer,
    codec,
    retries,
    logger,
    timeScale: config.timeScale,
    groupId: module.name,
    topics: [...module.topics],
    fetch: config.fetch,
    metrics,
    tracing,
    onFatal: (err) => {
      // Exit non-zero so the supervisor (npm start, compose, Kubernetes) restarts a fresh consumer.
      logger.fatal({ err }, 'exiting: the consumer cannot go on');
      setTimeout(() => process.exit(70), 100).unref();
    },
  });
  const http = createHttpServer(
    module.name,
    { kafka: () => processor.isReady(), redis: () => redis.status === 'ready' },
    { metrics: metrics.registry },
  );
  module.routes?.(http, deps);
  await processor.start();
  const lag = startLagMonitor({
    kafka,
    groupId: module.name,
    topics: module.topics,
    gauge: metrics.lag,
    service: module.name,
    logger,
    intervalMs: opts.lagIntervalMs ?? 5_000,
  });
  const url = await http.listen({ port: config.httpPort, host: config.httpHost });
  logger.info({ url, timeScale: config.timeScale }, `${module.name} service started`);
  let stopping: Promise<void> | undefined;
  return {
    config,
    http,
    url,
    processor,
    deps,
    metrics,
    stop: () =>
      (stopping ??= (async () => {
        logger.info('draining and stopping');
        await http.close();
        await lag.stop();
        await processor.stop();
        await producer.disconnect();
        await redis.quit();
        await tracing.shutdown();
        logger.info('stopped');
      })()),
  };
}

/** The whole of a service's main(): config once, start, drain on SIGTERM/SIGINT. */
export function runServiceMain(module: ServiceModule): void {
  const main = async () => {
    const running = await startService(module, loadServiceConfig(module.name));
    const shutdown = (signal: string) => {
      running.deps.logger.info({ signal }, 'shutdown requested');
      running.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          running.deps.logger.error({ err }, 'unclean shutdown');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  };
  main().catch((err: unknown) => {
    console.error(`${module.name}: failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
