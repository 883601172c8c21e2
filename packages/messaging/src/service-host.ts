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
  createSharedEventProcessor,
  DEFAULT_FETCH,
  type EventProcessor,
  type FetchTuning,
} from './event-processor.js';
import type { EventHandler } from './handler.js';
import { createHttpServer } from './health-server.js';
import { createKafka } from './kafka.js';
import { createLogger, type Logger } from './logger.js';
import { ServiceMetrics, startLagMonitor } from './metrics.js';
import { RoundMetrics } from './round-metrics.js';
import { checkRetention } from './retention-check.js';
import { createIdempotentProducer } from './producer.js';
import { sendRecords, toOutboundRecords, type EventCodec } from './publisher.js';
import { coalesceWrites } from './redis-writes.js';
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
  /** How long a saga's state is kept after its last change (SAGA_RETENTION_S); 0 keeps it forever. */
  retentionMs: number;
  /** Consumer fetch tuning: a fetch returns once `minBytes` are there or after `maxWaitMs`. */
  fetch: FetchTuning;
  connection: ConnectionConfig;
}

/**
 * A saga's state is kept this long after its last change (7 days, Kafka's default retention): a record still in
 * its topic, delivered again, must find the state that makes it replay instead of running twice.
 */
export const DEFAULT_RETENTION_S = 7 * 24 * 3600;

/** What every process hosting services reads from its environment (a service, or saga-node). */
export function hostEnv(defaultMinRoundMs: number) {
  return z.object({
    HTTP_HOST: z.string().default('127.0.0.1'),
    SAGA_TIME_SCALE: z.coerce.number().positive().max(1000).default(1),
    SAGA_FETCH_MIN_BYTES: z.coerce.number().int().min(1).max(1_048_576).default(DEFAULT_FETCH.minBytes),
    SAGA_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(1).max(5_000).default(DEFAULT_FETCH.maxWaitMs),
    SAGA_MIN_ROUND_MS: z.coerce.number().int().min(0).max(1_000).default(defaultMinRoundMs),
    SAGA_RETENTION_S: z.coerce.number().int().min(0).default(DEFAULT_RETENTION_S),
  });
}

/** Parses `env` (empty variables count as unset) and maps what every host shares into its config. */
export function parseHostEnv<S extends ReturnType<typeof hostEnv>>(schema: S, env: NodeJS.ProcessEnv) {
  const e = schema.parse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  const common: Omit<HostConfig, 'name' | 'groupId' | 'httpPort'> = {
    httpHost: e.HTTP_HOST,
    timeScale: e.SAGA_TIME_SCALE,
    retentionMs: e.SAGA_RETENTION_S * 1000,
    fetch: {
      minBytes: e.SAGA_FETCH_MIN_BYTES,
      maxWaitMs: e.SAGA_FETCH_MAX_WAIT_MS,
      minRoundMs: e.SAGA_MIN_ROUND_MS,
    },
    connection: loadConnectionConfig(env),
  };
  return { e, common };
}

const ServiceEnv = hostEnv(DEFAULT_FETCH.minRoundMs).extend({
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
});

export function loadServiceConfig(service: ServiceName, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const { e, common } = parseHostEnv(ServiceEnv, env);
  return { service, httpPort: e.HTTP_PORT ?? DEFAULT_HTTP_PORTS[service], ...common };
}

/** What a service's handler (and routes) are built from. */
export interface ServiceDeps {
  service: ServiceName;
  redis: Redis;
  logger: Logger;
  clock: Clock;
  ids: IdGenerator;
  timeScale: number;
  /** How long a saga's state is kept after its last change; 0 keeps it forever. */
  retentionMs: number;
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

/** One service inside a running host: what its handler and routes were built from, and its metrics. */
export interface HostedService {
  module: ServiceModule;
  deps: ServiceDeps;
  metrics: ServiceMetrics;
}

export interface HostConfig extends Omit<ServiceConfig, 'service'> {
  /** Names the process in logs, traces, the Kafka client id and `/health`. */
  name: string;
  /** The consumer group all hosted services read through. */
  groupId: string;
}

export interface RunningHost {
  http: FastifyInstance;
  url: string;
  processor: EventProcessor;
  services: HostedService[];
  stop(): Promise<void>;
}

/**
 * Builds and starts a process hosting one or more services: one Redis connection, one Kafka producer, one consumer
 * group, one HTTP server (health, metrics, the routes of every hosted service). Each service keeps its own handler,
 * retry schedule, dead-letter topic and metrics label.
 */
export async function startHost(
  modules: readonly ServiceModule[],
  config: HostConfig,
  opts: StartOptions = {},
): Promise<RunningHost> {
  if (modules.length === 0) throw new Error('a host needs at least one service');
  const logger = createLogger(config.name);
  const tracing = opts.tracerProvider ? createTracing(opts.tracerProvider) : await initTracing(config.name);
  const redis = new Redis(config.connection.redis.url, {
    // One write per turn of the event loop (coalesceWrites) instead: auto-pipelining costs GC time.
    enableAutoPipelining: false,
    maxRetriesPerRequest: 2,
    lazyConnect: true,
    // A secured stack's Redis speaks TLS under its own CA (REDIS_TLS_CA_FILE).
    ...(config.connection.redis.tls ? { tls: config.connection.redis.tls } : {}),
  });
  coalesceWrites(redis);
  const kafka = createKafka(config.connection, `${config.name}-${process.pid}`, logger);
  // Before anything connects: state that expires before the records it guards would let a re-read record act twice.
  await checkRetention(kafka, [...new Set(modules.flatMap((m) => m.topics))], config.retentionMs, logger);
  await redis.connect();
  const producer = createIdempotentProducer(kafka, logger);
  await producer.connect();
  const codec = createSerde(config.connection.schemaRegistry);
  let registry: ServiceMetrics['registry'] | undefined;
  const services = modules.map((module): HostedService & { retries: RetryStore } => {
    const retries = new RetryStore(redis, module.name);
    const metrics = new ServiceMetrics(module.name, {
      parkedCount: () => retries.parkedCount(),
      ...(registry ? { registry } : {}),
    });
    registry = metrics.registry;
    const serviceLogger = modules.length === 1 ? logger : createLogger(module.name);
    const deps: ServiceDeps = {
      service: module.name,
      redis,
      logger: serviceLogger,
      clock: systemClock,
      ids: uuidIds,
      timeScale: config.timeScale,
      retentionMs: config.retentionMs,
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
    return { module, deps, metrics, retries };
  });
  const processor = createSharedEventProcessor({
    lanes: services.map(({ module, deps, metrics, retries }) => ({
      handler: module.createHandler(deps),
      topics: module.topics,
      codec,
      retries,
      logger: deps.logger,
      timeScale: config.timeScale,
      metrics,
      tracing,
    })),
    kafka,
    producer,
    logger,
    groupId: config.groupId,
    fetch: config.fetch,
    ...(registry ? { rounds: new RoundMetrics(registry, config.groupId) } : {}),
    onFatal: (err) => {
      // Exit non-zero so the supervisor (npm start, compose, Kubernetes) restarts a fresh consumer.
      logger.fatal({ err }, 'exiting: the consumer cannot go on');
      setTimeout(() => process.exit(70), 100).unref();
    },
  });
  const http = createHttpServer(
    config.name,
    { kafka: () => processor.isReady(), redis: () => redis.status === 'ready' },
    registry ? { metrics: registry } : {},
  );
  for (const { module, deps } of services) module.routes?.(http, deps);
  await processor.start();
  const lag = startLagMonitor({
    kafka,
    groupId: config.groupId,
    topics: [...new Set(modules.flatMap((m) => m.topics))],
    gauge: services[0]!.metrics.lag,
    service: config.name,
    logger,
    intervalMs: opts.lagIntervalMs ?? 5_000,
  });
  const url = await http.listen({ port: config.httpPort, host: config.httpHost });
  logger.info(
    { url, timeScale: config.timeScale, services: modules.map((m) => m.name), groupId: config.groupId },
    modules.length === 1 ? `${config.name} service started` : `${config.name} started`,
  );
  let stopping: Promise<void> | undefined;
  return {
    http,
    url,
    processor,
    services,
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

/** Builds and starts one service: Redis, Kafka producer and consumer, retry loop, HTTP. Tests call it directly. */
export async function startService(
  module: ServiceModule,
  config: ServiceConfig,
  opts: StartOptions = {},
): Promise<RunningService> {
  const host = await startHost([module], { ...config, name: module.name, groupId: module.name }, opts);
  const { deps, metrics } = host.services[0]!;
  return {
    config,
    http: host.http,
    url: host.url,
    processor: host.processor,
    deps,
    metrics,
    stop: () => host.stop(),
  };
}

/** The whole of a process's main(): start once, drain on SIGTERM/SIGINT, exit non-zero when it cannot start. */
export function runMain(name: string, start: () => Promise<{ stop(): Promise<void> }>): void {
  const logger = createLogger(name);
  const main = async () => {
    const running = await start();
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutdown requested');
      running.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'unclean shutdown');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  };
  main().catch((err: unknown) => {
    console.error(`${name}: failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

/** The whole of a service's main(): config once, start, drain on SIGTERM/SIGINT. */
export function runServiceMain(module: ServiceModule): void {
  runMain(module.name, () => startService(module, loadServiceConfig(module.name)));
}
