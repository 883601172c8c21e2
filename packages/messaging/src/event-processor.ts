import { setTimeout as delay } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { Kafka } from './kafka.js';
import type { Logger } from './logger.js';
import type { BatchSender } from './producer.js';
import type { SagaEvent } from '@saga/contracts';
import { CoalescingSender, Headers, sendRecords, type EventCodec, type OutboundRecord } from './publisher.js';
import {
  decodeOnce,
  RecordProcessor,
  type PendingLookup,
  type Processed,
  type RecordProcessorDeps,
} from './record-processor.js';
import { retryItemId, type RawRecord, type RetryItem, type RetryStore } from './retry-store.js';
import { KeyLock } from './key-lock.js';
import { byTopic, DEFAULT_COMMIT_INTERVAL_MS, OffsetCommitter } from './offset-committer.js';
import type { RoundMetrics } from './round-metrics.js';

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

/** One service's part of a consumer: the topics it reads, its handler, its retry schedule. */
export interface LaneOptions extends Omit<RecordProcessorDeps, 'onScheduled' | 'decode'> {
  retries: RetryStore;
  topics: readonly string[];
}

export interface EventProcessorOptions extends LaneOptions {
  kafka: Kafka;
  producer: BatchSender;
  groupId: string;
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
  /** Fetch and batch timings (where a hop's latency goes). */
  rounds?: RoundMetrics;
}

/**
 * Several services behind one consumer group (the single-process deployment): one fetch, one produce and one offset
 * commit per round for all of them, instead of one each. Each service keeps its own handler, retry schedule, key
 * lock and dead-letter topic; a record is committed once every service reading its topic is done with it.
 */
export interface SharedEventProcessorOptions
  extends Omit<EventProcessorOptions, keyof LaneOptions>, Pick<LaneOptions, 'logger'> {
  lanes: LaneOptions[];
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
  return createSharedEventProcessor({ ...opts, lanes: [opts] });
}

interface Lane {
  name: string;
  topics: ReadonlySet<string>;
  consumes: ReadonlySet<string>;
  processor: RecordProcessor;
  retries: RetryStore;
  keyLock: KeyLock;
  metrics: LaneOptions['metrics'];
  /** Wakes the lane's retry loop early when a retry is scheduled before it planned to look. */
  wake?: () => void;
  nextLook: number;
  /**
   * The retry loop's last look found this service's schedule empty: when it started, and in which group generation.
   * Cleared when this process schedules a retry.
   */
  emptyAsOf?: EmptyLook;
  /** Counts retries and parkings this process wrote: a look that overlapped one of them proves nothing. */
  writes: number;
}

/** How old an "empty schedule" look may be to skip a batch's pending lookup (the loop looks every ≤ 200 ms). */
export const EMPTY_LOOK_VALID_MS = 1_000;

/** A look of the retry loop that found a service's schedule empty: when it started, in which group generation. */
export interface EmptyLook {
  at: number;
  generation: number;
}

/**
 * What a finished look proves: nothing if it found something, or if this process wrote a retry while it ran (the
 * write may or may not be in what it saw).
 */
export function lookResult(
  look: EmptyLook,
  foundEmpty: boolean,
  writesBefore: number,
  writesAfter: number,
): EmptyLook | undefined {
  return foundEmpty && writesAfter === writesBefore ? look : undefined;
}

/** Whether a batch may skip its pending lookup: an empty look, recent, from the current group generation. */
export function trustsEmptySchedule(empty: EmptyLook | undefined, generation: number, now: number): boolean {
  return empty !== undefined && empty.generation === generation && now - empty.at < EMPTY_LOOK_VALID_MS;
}

function buildLane(opts: LaneOptions & Pick<RecordProcessorDeps, 'decode'>): Lane {
  const lane: Lane = {
    name: opts.handler.service,
    topics: new Set(opts.topics),
    consumes: opts.handler.consumes,
    retries: opts.retries,
    keyLock: new KeyLock(),
    metrics: opts.metrics,
    nextLook: 0,
    writes: 0,
    processor: new RecordProcessor({
      ...opts,
      onScheduled: (dueAt) => {
        noteRetryWritten(lane);
        if (dueAt < lane.nextLook) lane.wake?.();
      },
    }),
  };
  return lane;
}

function noteRetryWritten(lane: Lane): void {
  lane.writes++;
  lane.emptyAsOf = undefined;
}

async function processExclusive(
  lane: Lane,
  raw: RawRecord,
  retry?: RetryItem,
  pending?: PendingLookup,
): Promise<Processed> {
  const done = await (raw.key === null
    ? lane.processor.process(raw, retry, pending)
    : lane.keyLock.run(raw.key, () => lane.processor.process(raw, retry, pending)));
  // A scheduled retry was noted by `onScheduled` as it was written; a parking has no such hook.
  if (done.disposition.kind === 'parked') noteRetryWritten(lane);
  return done;
}

/** The records of a batch this lane reacts to: a record's type header (when present) says so before any decoding. */
function recordsFor(lane: Lane, raws: readonly RawRecord[]): RawRecord[] {
  return raws.filter((r) => {
    const type = r.headers[Headers.eventType];
    return type === undefined || lane.consumes.has(type);
  });
}

/**
 * One lookup per batch of the retries pending for its inputs (each record would otherwise ask on its own) — or none,
 * when the retry loop saw the schedule empty recently and in this group generation. A retry another instance
 * scheduled for an input it then failed to commit reaches us only through a rebalance, and every rebalance starts a
 * new generation, so a look from the previous one never counts.
 */
async function lookUpPending(
  lane: Lane,
  records: readonly RawRecord[],
  generation: number,
): Promise<PendingLookup> {
  const checked = new Set<string>();
  for (const r of records) {
    const orderId = r.headers[Headers.orderId];
    const eventId = r.headers[Headers.eventId];
    if (orderId && eventId) checked.add(retryItemId(orderId, eventId));
  }
  if (checked.size === 0 || trustsEmptySchedule(lane.emptyAsOf, generation, Date.now()))
    return { checked, pending: new Set() };
  return { checked, pending: await lane.retries.pendingAmong([...checked]) };
}

/** Runs one lane over one batch; records of one order in sequence, `keyConcurrency` orders at once. */
async function runLane(
  lane: Lane,
  raws: RawRecord[],
  keyConcurrency: number,
  generation: number,
): Promise<OutboundRecord[]> {
  const mine = recordsFor(lane, raws);
  if (mine.length === 0) return [];
  const byKey = new Map<string, RawRecord[]>();
  for (const raw of mine) {
    const k = raw.key ?? `\u0000${raw.offset}`;
    let g = byKey.get(k);
    if (!g) byKey.set(k, (g = []));
    g.push(raw);
  }
  const outbound: OutboundRecord[] = [];
  const pending = await lookUpPending(lane, mine, generation);
  await forEachGroup([...byKey.values()], keyConcurrency, async (raw) => {
    const done = await processExclusive(lane, raw, undefined, pending);
    outbound.push(...done.outbound);
  });
  return outbound;
}

export function createSharedEventProcessor(opts: SharedEventProcessorOptions): EventProcessor {
  const log: Logger = opts.logger.child({ component: 'event-processor', groupId: opts.groupId });
  const tuning = opts.fetch ?? DEFAULT_FETCH;
  // One decoding per record for all lanes (per codec: lanes of one host share theirs).
  const decoders = new Map<EventCodec, (raw: RawRecord) => Promise<SagaEvent>>();
  const lanes = opts.lanes.map((lane) => {
    let decode = decoders.get(lane.codec);
    if (!decode) decoders.set(lane.codec, (decode = decodeOnce(lane.codec)));
    return buildLane({ ...lane, decode });
  });
  const topics = [...new Set(lanes.flatMap((l) => [...l.topics]))];
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
  const committer = new OffsetCommitter(
    (offsets) => consumer.commitOffsets(offsets),
    opts.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS,
    log,
  );
  let ready = false;
  let running = false;
  let retryLoops: Promise<void>[] = [];
  let generation = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    // Partitions may have moved: an offset acked before the rebalance is not ours to commit any more.
    committer.reset();
    // ...and their inputs may have retries another instance scheduled: look again before trusting "empty".
    generation++;
    for (const lane of lanes) lane.wake?.();
    ready = true;
  });
  const rounds = opts.rounds;
  if (rounds) consumer.on(consumer.events.FETCH, (e) => rounds.fetched(e.payload.duration));
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
    // The other batches of this fetch round run now too: their output goes out in one request with ours.
    const slot = sender.slot();
    const raws = batch.messages.map((m) => toRaw(batch.topic, batch.partition, m));
    const readers = lanes.filter((l) => l.topics.has(batch.topic));
    // kafkajs heartbeats only when asked: a slow handler (a port that takes seconds) must not cost the instance its
    // membership, or its partitions would bounce between instances that each time out on the same record.
    const beat = setInterval(() => {
      payload.heartbeat().catch((err: unknown) => log.debug({ err }, 'heartbeat during a long batch failed'));
    }, 1_000);
    let outbound: OutboundRecord[][];
    try {
      outbound = await Promise.all(
        readers.map((lane) => runLane(lane, raws, opts.keyConcurrency ?? 64, generation)),
      );
    } catch (err) {
      slot.release();
      throw err;
    } finally {
      clearInterval(beat);
    }
    // A seek made this batch's offsets moot; a stop did not: the drain finishes the batch (outputs and offsets),
    // or the next member would handle it again.
    if (payload.isStale()) return slot.release();
    // Per key the records were pushed in order; across keys (and services) order does not matter.
    const processed = performance.now();
    await slot.send(outbound.flat());
    rounds?.batch(raws.length, processed - started, performance.now() - processed);
    readers.forEach((lane, i) => lane.metrics?.sent(outbound[i]!));
    payload.resolveOffset(batch.lastOffset());
    committer.acked(batch.topic, batch.partition, batch.lastOffset());
    // Stopping: kafkajs leaves the group right after the last batch, so the drain commits before it returns. Once
    // a stop has begun kafkajs' consumer.commitOffsets does nothing (silently); the batch's own commit still works.
    // `running` turns false first in stop(), before its own flush: a batch that ends between that flush and
    // kafkajs' stop (isRunning() still true) would otherwise leave its offsets acked but never committed.
    if (!payload.isRunning() || !running)
      await committer.flush((offsets) => payload.commitOffsetsIfNecessary(byTopic(offsets)));
    await payload.heartbeat();
    const rest = tuning.minRoundMs - (performance.now() - started);
    if (rest >= 1 && payload.isRunning()) await delay(rest);
  }

  async function runRetry(lane: Lane, item: RetryItem): Promise<void> {
    let done: Processed;
    try {
      done = await processExclusive(lane, item.record, item);
    } catch (err) {
      // The messaging path itself failed (registry/Redis/Kafka): leave the lease to expire and try again then.
      log.warn({ err, retryId: item.id }, 'retry could not run; it comes back when its lease expires');
      return;
    }
    await sender.send(done.outbound);
    lane.metrics?.sent(done.outbound);
    const k = done.disposition.kind;
    if (k !== 'retry-scheduled' && k !== 'parked') await lane.retries.complete(item.id);
  }

  async function retryLoopBody(lane: Lane): Promise<void> {
    const lease = opts.retryLeaseMs ?? 30_000;
    while (running) {
      try {
        const look = { at: Date.now(), generation };
        const writesBefore = lane.writes;
        const items = await lane.retries.claimDue(look.at, lease, 64);
        const byOrder = new Map<string, RetryItem[]>();
        for (const it of items) {
          const g = byOrder.get(it.orderId) ?? [];
          g.push(it);
          byOrder.set(it.orderId, g);
        }
        await forEachGroup([...byOrder.values()], 16, (item) => runRetry(lane, item));
        if (items.length === 64) continue;
        const due = await lane.retries.nextDueAt();
        const empty = due === undefined && (await lane.retries.isEmpty());
        // A retry this process wrote while the look ran may or may not be in what it saw: then it proves nothing.
        lane.emptyAsOf = lookResult(look, empty, writesBefore, lane.writes);
        const wait = Math.max(5, Math.min(MAX_RETRY_IDLE_MS, (due ?? Infinity) - Date.now()));
        lane.nextLook = Date.now() + wait;
        const ac = new AbortController();
        lane.wake = () => ac.abort();
        await delay(wait, undefined, { signal: ac.signal }).catch(() => undefined);
        lane.wake = undefined;
      } catch (err) {
        log.warn({ err, service: lane.name }, 'retry loop failed; backing off');
        await delay(1_000);
      }
    }
  }

  return {
    async start() {
      await consumer.connect();
      for (const topic of topics)
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
      retryLoops = lanes.map(retryLoopBody);
    },
    async stop() {
      running = false;
      ready = false;
      for (const lane of lanes) lane.wake?.();
      await committer.flush();
      await consumer.stop();
      committer.stop();
      await consumer.disconnect();
      await Promise.all(retryLoops);
    },
    isReady: () => ready && running,
  };
}
