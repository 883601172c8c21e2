import { setTimeout as delay } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, KafkaMessage, Producer } from 'kafkajs';
import type { Kafka } from './kafka.js';
import type { Logger } from './logger.js';
import { CoalescingSender, Headers, sendRecords, type OutboundRecord } from './publisher.js';
import {
  RecordProcessor,
  type PendingLookup,
  type Processed,
  type RecordProcessorDeps,
} from './record-processor.js';
import { retryItemId, type RawRecord, type RetryItem, type RetryStore } from './retry-store.js';
import { KeyLock } from './key-lock.js';
import { DEFAULT_COMMIT_INTERVAL_MS, OffsetCommitter } from './offset-committer.js';

export interface FetchTuning {
  minBytes: number;
  maxWaitMs: number;
  /** A round with records is held this long (from its start) before the next fetch: fewer, larger requests. */
  minRoundMs: number;
}

/**
 * A fetch answers at the first byte (or after 50 ms idle, a cheap long poll), and a round that had records lasts at
 * least `minRoundMs`: records arriving meanwhile wait for the next round instead of each starting its own. Measured
 * with `saga bench` on 2 cores: unpaced, every consumer fetched and produced in tiny rounds and the requests alone
 * saturated the machine at 100 sagas/s (193 % CPU).
 */
export const DEFAULT_FETCH: FetchTuning = { minBytes: 1, maxWaitMs: 50, minRoundMs: 10 };

export interface EventProcessorOptions extends Omit<RecordProcessorDeps, 'onScheduled'> {
  kafka: Kafka;
  producer: Producer;
  retries: RetryStore;
  groupId: string;
  topics: string[];
  partitionsConsumedConcurrently?: number;
  /** How many orders of one batch are worked on at once (records of one order always run in sequence). */
  keyConcurrency?: number;
  /** A claimed retry is invisible to other instances this long; a crashed claimer's retry comes back after it. */
  retryLeaseMs?: number;
  fromBeginning?: boolean;
  fetch?: FetchTuning;
  /** How often processed offsets are committed (one request for all partitions); a crash replays at most this much. */
  commitIntervalMs?: number;
  /**
   * The consumer stopped for good (kafkajs gives up on non-retriable errors). The service host exits so that a
   * supervisor restarts it, instead of living on, not ready, forever.
   */
  onFatal?: (err: unknown) => void;
}

export interface EventProcessor {
  start(): Promise<void>;
  /** Drains the batch and retries in flight, commits, and disconnects the consumer. */
  stop(): Promise<void>;
  isReady(): boolean;
}

const MAX_RETRY_IDLE_MS = 200;

function toRaw(topic: string, partition: number, m: KafkaMessage): RawRecord {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? String(v[0]) : String(v);
  }
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ? m.key.toString() : null,
    value: (m.value ?? Buffer.alloc(0)).toString('base64'),
    headers,
  };
}

/** Runs `work` over groups of items, `limit` groups at a time; items of one group run in order. */
async function forEachGroup<T>(
  groups: T[][],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < groups.length) {
      const group = groups[next++]!;
      for (const item of group) await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, groups.length) }, lane));
}

export function createEventProcessor(opts: EventProcessorOptions): EventProcessor {
  const log: Logger = opts.logger.child({ component: 'event-processor', groupId: opts.groupId });
  const tuning = opts.fetch ?? DEFAULT_FETCH;
  let wake: (() => void) | undefined;
  let nextLook = 0;
  const processor = new RecordProcessor({
    ...opts,
    onScheduled: (dueAt) => {
      if (dueAt < nextLook) wake?.();
    },
  });
  const consumer: Consumer = opts.kafka.consumer({
    groupId: opts.groupId,
    // A crashed member holds its partitions until its session expires: 10 s bounds that stall (the chaos suite saw
    // 27-30 s recoveries with kafkajs' 30 s default). Batches are bounded, and each ends with a heartbeat.
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    minBytes: tuning.minBytes,
    maxWaitTimeInMs: tuning.maxWaitMs,
    // Bounded batches: bounded latency per fetch round and bounded output per batch.
    maxBytesPerPartition: 256 * 1024,
    allowAutoTopicCreation: false,
  });
  const sender = new CoalescingSender((records) => sendRecords(opts.producer, records));
  const keyLock = new KeyLock();
  const processExclusive = (
    raw: RawRecord,
    retry?: RetryItem,
    pending?: PendingLookup,
  ): Promise<Processed> =>
    raw.key === null
      ? processor.process(raw, retry, pending)
      : keyLock.run(raw.key, () => processor.process(raw, retry, pending));

  /** One lookup per batch of the retries pending for its inputs (each record would otherwise ask on its own). */
  async function lookUpPending(records: readonly RawRecord[]): Promise<PendingLookup> {
    const checked = new Set<string>();
    for (const r of records) {
      const orderId = r.headers[Headers.orderId];
      const eventId = r.headers[Headers.eventId];
      if (orderId && eventId) checked.add(retryItemId(orderId, eventId));
    }
    return { checked, pending: await opts.retries.pendingAmong([...checked]) };
  }
  const committer = new OffsetCommitter(
    (offsets) => consumer.commitOffsets(offsets),
    opts.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS,
    log,
  );
  let ready = false;
  let running = false;
  let retryLoop: Promise<void> | undefined;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    // Partitions may have moved: an offset acked before the rebalance is not ours to commit any more.
    committer.reset();
    ready = true;
  });
  consumer.on(consumer.events.CRASH, (e) => {
    ready = false;
    if (e.payload.restart) {
      log.error({ err: e.payload.error }, 'consumer crashed; kafkajs restarts it');
      return;
    }
    log.fatal({ err: e.payload.error }, 'consumer stopped for good');
    opts.onFatal?.(e.payload.error);
  });

  async function eachBatch(payload: EachBatchPayload) {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    const started = performance.now();
    const raws = batch.messages.map((m) => toRaw(batch.topic, batch.partition, m));
    const byKey = new Map<string, RawRecord[]>();
    for (const raw of raws) {
      const k = raw.key ?? `\u0000${raw.offset}`;
      let g = byKey.get(k);
      if (!g) byKey.set(k, (g = []));
      g.push(raw);
    }
    const outbound: OutboundRecord[] = [];
    const pending = await lookUpPending(raws);
    // kafkajs heartbeats only when asked: a slow handler (a port that takes seconds) must not cost the instance its
    // membership, or its partitions would bounce between instances that each time out on the same record.
    const beat = setInterval(() => {
      payload.heartbeat().catch((err: unknown) => log.debug({ err }, 'heartbeat during a long batch failed'));
    }, 1_000);
    try {
      await forEachGroup([...byKey.values()], opts.keyConcurrency ?? 64, async (raw) => {
        const done = await processExclusive(raw, undefined, pending);
        outbound.push(...done.outbound);
      });
    } finally {
      clearInterval(beat);
    }
    if (!payload.isRunning() || payload.isStale()) return;
    // Per key the records were pushed in order; across keys order does not matter.
    await sender.send(outbound);
    opts.metrics?.sent(outbound);
    payload.resolveOffset(batch.lastOffset());
    committer.acked(batch.topic, batch.partition, batch.lastOffset());
    // Stopping: kafkajs leaves the group right after the last batch, so the drain commits before it returns.
    if (!payload.isRunning()) await committer.flush();
    await payload.heartbeat();
    const rest = tuning.minRoundMs - (performance.now() - started);
    if (rest >= 1 && payload.isRunning()) await delay(rest);
  }

  async function runRetry(item: RetryItem): Promise<void> {
    let done: Processed;
    try {
      done = await processExclusive(item.record, item);
    } catch (err) {
      // The messaging path itself failed (registry/Redis/Kafka): leave the lease to expire and try again then.
      log.warn({ err, retryId: item.id }, 'retry could not run; it comes back when its lease expires');
      return;
    }
    await sender.send(done.outbound);
    opts.metrics?.sent(done.outbound);
    const k = done.disposition.kind;
    if (k !== 'retry-scheduled' && k !== 'parked') await opts.retries.complete(item.id);
  }

  async function retryLoopBody(): Promise<void> {
    const lease = opts.retryLeaseMs ?? 30_000;
    while (running) {
      try {
        const items = await opts.retries.claimDue(Date.now(), lease, 64);
        const byOrder = new Map<string, RetryItem[]>();
        for (const it of items) {
          const g = byOrder.get(it.orderId) ?? [];
          g.push(it);
          byOrder.set(it.orderId, g);
        }
        await forEachGroup([...byOrder.values()], 16, runRetry);
        if (items.length === 64) continue;
        const due = await opts.retries.nextDueAt();
        const wait = Math.max(5, Math.min(MAX_RETRY_IDLE_MS, (due ?? Infinity) - Date.now()));
        nextLook = Date.now() + wait;
        const ac = new AbortController();
        wake = () => ac.abort();
        await delay(wait, undefined, { signal: ac.signal }).catch(() => undefined);
        wake = undefined;
      } catch (err) {
        log.warn({ err }, 'retry loop failed; backing off');
        await delay(1_000);
      }
    }
  }

  return {
    async start() {
      await consumer.connect();
      for (const topic of opts.topics)
        await consumer.subscribe({ topic, fromBeginning: opts.fromBeginning ?? true });
      running = true;
      committer.start();
      await consumer.run({
        // kafkajs' auto-commit sends one OffsetCommit after every batch, awaited: with every partition consumed at
        // once that was ~40 commits per fetch round, serialized on the coordinator, and the rounds took 300 ms.
        // The committer sends one request for all partitions per interval instead.
        autoCommit: false,
        eachBatchAutoResolve: false,
        // Every assigned partition at once: a fetch round is not split into waves that each wait for a produce.
        partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 64,
        eachBatch,
      });
      retryLoop = retryLoopBody();
    },
    async stop() {
      running = false;
      ready = false;
      wake?.();
      await committer.flush();
      await consumer.stop();
      committer.stop();
      await consumer.disconnect();
      await retryLoop;
    },
    isReady: () => ready && running,
  };
}
