import type { Admin } from 'kafkajs';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Kafka } from './kafka.js';
import type { Logger } from './logger.js';
import { Headers, type OutboundRecord } from './publisher.js';

/** The events that end a saga, and the outcome each one counts as (only the order service emits them). */
const SAGA_OUTCOMES: Readonly<Record<string, string>> = {
  OrderShipped: 'shipped',
  OrderCancelled: 'cancelled',
  OrderRejected: 'rejected',
};

/** One child per label value, made once: the hot path is a map lookup and an add. */
function cached<C>(make: (label: string) => C): (label: string) => C {
  const children = new Map<string, C>();
  return (label) => {
    let c = children.get(label);
    if (!c) children.set(label, (c = make(label)));
    return c;
  };
}

/**
 * One service's Prometheus metrics, in its own Registry (several services may share a process in tests). Counters
 * are at-least-once like the delivery they count: a redelivered input is counted again.
 */
/** Per registry, where the parked gauge reads each service's count (several services may share one registry). */
const parkedSources = new WeakMap<Registry, Map<string, () => Promise<number>>>();

export class ServiceMetrics {
  readonly registry: Registry;
  private readonly consumedBy;
  private readonly producedBy;
  private readonly durationBy;
  private readonly retriesBy;
  private readonly deadLetteredBy;
  private readonly outcomesBy;
  readonly lag: Gauge<'service' | 'topic' | 'partition'>;

  /**
   * `registry`: share another service's registry (the single-process deployment exposes one `/metrics` for all its
   * services); the metric families are made once per registry and told apart by their `service` label.
   */
  constructor(
    readonly service: string,
    opts: { defaultMetrics?: boolean; parkedCount?: () => Promise<number>; registry?: Registry } = {},
  ) {
    const registry = (this.registry = opts.registry ?? new Registry());
    const registers = [registry];
    const shared = opts.registry !== undefined && registry.getSingleMetric('saga_events_consumed_total');
    if (!shared && (opts.defaultMetrics ?? true)) collectDefaultMetrics({ register: registry });
    const family = <M>(name: string, make: () => M): M =>
      (registry.getSingleMetric(name) as M | undefined) ?? make();
    /** A counter labelled by service and one more label, made once per registry. */
    const counter = <L extends string>(name: string, help: string, label: L) =>
      family(name, () => new Counter({ name, help, labelNames: ['service', label] as const, registers }));
    const consumed = counter(
      'saga_events_consumed_total',
      'Saga events handed to the service handler, by event type',
      'type',
    );
    const produced = counter(
      'saga_events_produced_total',
      'Saga events published and acknowledged, by event type',
      'type',
    );
    const duration = family(
      'saga_handler_duration_seconds',
      () =>
        new Histogram({
          name: 'saga_handler_duration_seconds',
          help: 'Time the service handler took per event, by event type',
          labelNames: ['service', 'type'] as const,
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
          registers,
        }),
    );
    const retries = counter(
      'saga_retries_scheduled_total',
      'Retries written to the durable schedule, by retry policy',
      'policy',
    );
    const deadLettered = counter(
      'saga_dead_lettered_total',
      'Records sent to the dead-letter topic, by error code',
      'code',
    );
    const outcomes = counter(
      'saga_sagas_total',
      'Sagas that reached an end, by outcome (counted where the terminal event is emitted)',
      'outcome',
    );
    this.lag = family(
      'saga_consumer_lag',
      () =>
        new Gauge({
          name: 'saga_consumer_lag',
          help: 'Records not yet committed by the consumer group, per topic and partition (refreshed periodically)',
          labelNames: ['service', 'topic', 'partition'] as const,
          registers,
        }),
    );
    let sources = parkedSources.get(registry);
    if (!sources) parkedSources.set(registry, (sources = new Map<string, () => Promise<number>>()));
    if (opts.parkedCount) sources.set(service, opts.parkedCount);
    const parkedBy = sources;
    family(
      'saga_parked_sagas',
      () =>
        new Gauge({
          name: 'saga_parked_sagas',
          help: 'Retries parked as stuck (compensations that ran out of retries), read at scrape time',
          labelNames: ['service'] as const,
          registers,
          async collect() {
            for (const [name, count] of parkedBy) this.set({ service: name }, await count());
          },
        }),
    );
    this.consumedBy = cached((type) => consumed.labels(service, type));
    this.producedBy = cached((type) => produced.labels(service, type));
    this.durationBy = cached((type) => duration.labels(service, type));
    this.retriesBy = cached((policy) => retries.labels(service, policy));
    this.deadLetteredBy = cached((code) => deadLettered.labels(service, code));
    this.outcomesBy = cached((outcome) => outcomes.labels(service, outcome));
  }

  consumed(type: string): void {
    this.consumedBy(type).inc();
  }

  handled(type: string, seconds: number): void {
    this.durationBy(type).observe(seconds);
  }

  retryScheduled(policy: string): void {
    this.retriesBy(policy).inc();
  }

  deadLettered(code: string): void {
    this.deadLetteredBy(code).inc();
  }

  /** After the records were acknowledged: saga events by type, and saga ends. Dead letters carry no new event. */
  sent(records: readonly OutboundRecord[]): void {
    for (const r of records) {
      const type = r.headers[Headers.eventType];
      if (type === undefined || r.topic.startsWith('dlq.')) continue;
      this.producedBy(type).inc();
      const outcome = SAGA_OUTCOMES[type];
      if (outcome !== undefined) this.outcomesBy(outcome).inc();
    }
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** What the runtime calls; a no-op stands in when a RecordProcessor is built without metrics (tests, tools). */
export type MetricsHooks = Pick<
  ServiceMetrics,
  'consumed' | 'handled' | 'retryScheduled' | 'deadLettered' | 'sent'
>;

export const noMetrics: MetricsHooks = {
  consumed: () => undefined,
  handled: () => undefined,
  retryScheduled: () => undefined,
  deadLettered: () => undefined,
  sent: () => undefined,
};

/**
 * Consumer lag per topic/partition (end offset − committed offset), refreshed every `intervalMs` from the admin API
 * off the hot path. A failed refresh keeps the last values; the next one tries again.
 */
export function startLagMonitor(opts: {
  kafka: Kafka;
  groupId: string;
  topics: readonly string[];
  gauge: Gauge<'service' | 'topic' | 'partition'>;
  service: string;
  logger: Logger;
  intervalMs?: number;
}): { stop(): Promise<void>; refresh(): Promise<void> } {
  let admin: Admin | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  async function refresh(): Promise<void> {
    if (stopped) return;
    try {
      if (!admin) {
        const a = opts.kafka.admin();
        await a.connect();
        admin = a;
      }
      const committed = await admin.fetchOffsets({ groupId: opts.groupId, topics: [...opts.topics] });
      for (const { topic, partitions } of committed) {
        const ends = await admin.fetchTopicOffsets(topic);
        for (const end of ends) {
          const c = partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
          // Nothing committed yet: everything from the log start is still to be consumed.
          const from = BigInt(c) < 0n ? BigInt(end.low) : BigInt(c);
          const lag = BigInt(end.high) - from;
          opts.gauge.set(
            { service: opts.service, topic, partition: String(end.partition) },
            Number(lag > 0n ? lag : 0n),
          );
        }
      }
    } catch (err) {
      opts.logger.debug({ err }, 'consumer lag refresh failed; keeping the last values');
    }
  }
  const tick = () => {
    running ??= refresh().finally(() => (running = undefined));
  };
  const timer = setInterval(tick, opts.intervalMs ?? 5_000);
  timer.unref();
  tick();
  return {
    refresh: async () => {
      await running;
      await refresh();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await admin?.disconnect().catch(() => undefined);
    },
  };
}
