import { Histogram, type Registry } from 'prom-client';

/**
 * Where a consumer's fetch rounds spend their time. A record waits in its topic for the round in progress to end,
 * then for its own round: `fetch` (until the broker answered), `process` (the handlers and their Redis calls, every
 * partition of the round at once) and `send` (until the round's output was acknowledged). At load, a hop of the saga
 * costs about one and a half rounds, so these say where its latency goes (BENCHMARKS.md; `saga bench` reports them).
 */
export const RoundMetricNames = {
  fetch: 'saga_consumer_fetch_duration_seconds',
  batchRecords: 'saga_consumer_batch_records',
  phase: 'saga_consumer_batch_phase_seconds',
} as const;

export const BatchPhases = ['process', 'send'] as const;
export type BatchPhase = (typeof BatchPhases)[number];

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Families are made once per registry (several hosts may share one in tests), children once per group. */
export class RoundMetrics {
  private readonly fetchH;
  private readonly recordsH;
  private readonly phaseH: Record<BatchPhase, Histogram.Internal<'group' | 'phase'>>;

  constructor(registry: Registry, group: string) {
    const registers = [registry];
    const family = <M>(name: string, make: () => M): M =>
      (registry.getSingleMetric(name) as M | undefined) ?? make();
    const fetch = family(
      RoundMetricNames.fetch,
      () =>
        new Histogram({
          name: RoundMetricNames.fetch,
          help: 'Fetch requests of the consumer, until the broker answered (long polls included)',
          labelNames: ['group'] as const,
          buckets: SECONDS,
          registers,
        }),
    );
    const records = family(
      RoundMetricNames.batchRecords,
      () =>
        new Histogram({
          name: RoundMetricNames.batchRecords,
          help: 'Records per batch (one partition of a fetch round); _count is the number of batches',
          labelNames: ['group'] as const,
          buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
          registers,
        }),
    );
    const phase = family(
      RoundMetricNames.phase,
      () =>
        new Histogram({
          name: RoundMetricNames.phase,
          help: 'Per batch: handling its records (process), then waiting until the output was acknowledged (send)',
          labelNames: ['group', 'phase'] as const,
          buckets: SECONDS,
          registers,
        }),
    );
    this.fetchH = fetch.labels(group);
    this.recordsH = records.labels(group);
    this.phaseH = { process: phase.labels(group, 'process'), send: phase.labels(group, 'send') };
  }

  fetched(ms: number): void {
    this.fetchH.observe(ms / 1000);
  }

  batch(records: number, processMs: number, sendMs: number): void {
    this.recordsH.observe(records);
    this.phaseH.process.observe(processMs / 1000);
    this.phaseH.send.observe(sendMs / 1000);
  }
}
