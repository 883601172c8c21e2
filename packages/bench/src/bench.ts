import { cpus, loadavg } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { Topics } from '@saga/contracts';
import { audit, type AuditResult } from './audit.js';
import { openContext, reconcileWithRedis, type BenchContext } from './context.js';
import { cpuPercent, sampleCpu, type CpuSample } from './cpu.js';
import { roundsOver, sampleRounds, type RoundFigures, type RoundSample } from './rounds.js';
import { doublingNote, RedisTableWatch, type TableDoubling } from './redis-tables.js';
import type { LatencySummary } from './histogram.js';
import { runLoad, type Tick } from './run.js';
import {
  FIND_MAX_P99_LIMIT_MS,
  fallsBehindReason,
  parseMix,
  rateSteps,
  unsustainableReason,
} from './schedule.js';
import { ensureSystem, type BenchSystem, type Deployment } from './system.js';
import type { OutcomeCounts } from './tracker.js';

/**
 * The warm-up when `--warmup` is not given and the bench started processes itself. A process it has just started
 * compiles its hot paths under the load (the JVM's C2 for Kafka, V8 for the nodes): measured from the first order,
 * a 1,000/s run spends its first ~25 s draining the backlog of that warm-up (p99 3.7–4.1 s, BENCHMARKS.md). 20 s:
 * Kafka's CPU settled 10–15 s into the load. Not longer: every warm-up saga adds ~12 KB of Redis AOF (14 KB before
 * session 8), and a 30-s warm-up brought Redis' first AOF rewrite (at 1 GB) into the 60-s window of a 1,000/s run.
 * `--warmup 0` measures the cold start itself.
 */
export const STARTED_SYSTEM_WARMUP_S = 20;

/** The warm-up a run uses: the one asked for, else 20 s when the bench started processes itself, else none. */
export function effectiveWarmupS(requested: number | undefined, started: readonly string[]): number {
  if (requested !== undefined) return requested;
  return started.length > 0 ? STARTED_SYSTEM_WARMUP_S : 0;
}

export interface BenchOptions {
  rate: number;
  durationS: number;
  /** Ramped, unmeasured load first; unset: `effectiveWarmupS`. */
  warmupS?: number;
  mix: string;
  /** Where the services answer (order at basePort, then payment, inventory, shipping). */
  basePort?: number;
  graceMs?: number;
  /**
   * After the figures are taken, wait up to this long for every saga of the run to end before the audit and before
   * stopping anything: an overloaded run must not leave a backlog in the shared consumer groups (default 600 s).
   */
  drainTimeoutS?: number;
  serviceNodeArgs?: string[];
  /** How to start the services when none runs (default `node`: one process, see apps/saga-node). */
  deploy?: Deployment;
  /** With `deploy: 'node'`: how many node processes (default 2, one per core of the reference machine). */
  nodes?: number;
  onProgress?: (line: string) => void;
}

export interface Machine {
  cores: number;
  model: string;
  node: string;
  kafka: string | null;
  /** The store's server, e.g. `valkey 8.0.1`: its table growth sets the p99 at 1,000/s (BENCHMARKS.md). */
  redis: string | null;
  /** 1-minute load average when the run started: other work on the box skews every figure. */
  loadAvg1m: number;
}

export interface BenchFigures {
  rate: number;
  durationS: number;
  requested: number;
  completed: OutcomeCounts;
  lost: number;
  throughputPerS: number;
  latencyMs: Omit<LatencySummary, 'count'>;
  eventsPerS: number | null;
  /** Percent of one core per process over the measured window. */
  cpu: Record<string, number>;
  /** Per service process over the measured window: its consumer's fetch rounds (where a hop's latency goes). */
  rounds: Record<string, RoundFigures>;
  machine: Machine;
  aborted: boolean;
  lateSends: number;
  /** Completed orders whose terminal event the tail missed (settled from Redis; no latency recorded). */
  missedByTail: number;
  /** Redis tables that doubled during the load, warm-up included (see redis-tables.ts). */
  redisTableDoublings: TableDoubling[];
}

export interface BenchReport extends BenchFigures {
  /** Order ids of the run are `bench-<runId>-<n>`, its SKUs `SKU-BENCH-<runId>[-SOLDOUT]`. */
  runId: string;
  mix: string;
  warmupS: number;
  startedByBench: string[];
  audit: AuditResult;
}

export interface FindMaxReport {
  runId: string;
  /** Highest rate kept up with at p99 ≤ p99LimitMs. */
  maxSustainableRate: number | null;
  /** Highest rate kept up with at all (no growing backlog, nothing lost), whatever its p99. */
  maxThroughputRate: number | null;
  p99LimitMs: number;
  /** Unmeasured load before the first step (`stepWarmupS`). */
  warmupS: number;
  stopReason: string;
  steps: (BenchFigures & { sustainable: boolean; reason?: string })[];
  machine: Machine;
  startedByBench: string[];
  audit: AuditResult;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** Records on the event topics, and when the count was answered (the watermarks are read during the request). */
interface EventCount {
  records: number;
  at: number;
}

/** Records on the saga's event topics (high − low watermark, via the lag of a group that never commits). */
async function countEvents(ctx: BenchContext): Promise<EventCount | null> {
  try {
    const records = await ctx.client.lag(`saga-bench-count-${ctx.runId}`, Object.values(Topics));
    return { records, at: performance.now() };
  } catch {
    return null;
  }
}

/** Growth between two counts over the time between them: each count ends as late as the other. */
export function eventsPerSecond(start: EventCount, end: EventCount): number {
  return (end.records - start.records) / Math.max(0.001, (end.at - start.at) / 1000);
}

async function withSession<T>(
  opts: Pick<BenchOptions, 'basePort' | 'serviceNodeArgs' | 'onProgress' | 'deploy' | 'nodes'>,
  body: (system: BenchSystem, ctx: BenchContext, machine: Machine) => Promise<T>,
): Promise<T> {
  const say = opts.onProgress ?? (() => undefined);
  const system = await ensureSystem({
    basePort: opts.basePort ?? 3000,
    deploy: opts.deploy ?? 'node',
    ...(opts.nodes ? { nodes: opts.nodes } : {}),
    onProgress: say,
    ...(opts.serviceNodeArgs ? { serviceNodeArgs: opts.serviceNodeArgs } : {}),
  });
  // Ctrl-C must not orphan the services the bench started: stop them, then exit as interrupted.
  const onSignal = (signal: NodeJS.Signals): void => {
    say(`[bench] ${signal}: stopping what the bench started`);
    void system.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const ctx = await openContext(say);
    try {
      const machine: Machine = {
        cores: cpus().length,
        model: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        kafka: system.kafkaVersion,
        redis: system.redisVersion,
        loadAvg1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
      };
      return await body(system, ctx, machine);
    } finally {
      await ctx.close();
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await system.stop();
  }
}

function progressLine(t: Tick): string {
  return `[bench] ${String(t.elapsedS).padStart(4)} s  sent ${t.sent}  completed ${t.completed}  in flight ${t.inFlight}  p99 ${t.windowP99} ms (last 1 s)`;
}

/** Waits (with a progress line every 10 s) until no saga of the session is in flight, or the timeout passes. */
async function drain(ctx: BenchContext, timeoutS: number, say?: (line: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutS * 1000;
  let lastSay = 0;
  while (ctx.tracker.inFlightCount > 0 && Date.now() < deadline) {
    if (Date.now() - lastSay >= 10_000) {
      await reconcileWithRedis(ctx); // events the tail missed must not hold the drain up
      say?.(`[bench] draining: ${ctx.tracker.inFlightCount} sagas still in flight (up to ${timeoutS} s)`);
      lastSay = Date.now();
    }
    await delay(200);
  }
}

/** One load at a fixed rate, measured, with CPU and event counters over the measured window. */
async function measure(
  system: BenchSystem,
  ctx: BenchContext,
  machine: Machine,
  opts: BenchOptions & { abortBacklogS?: number },
): Promise<BenchFigures> {
  let cpuStart: CpuSample | undefined;
  let eventsStart: Promise<EventCount | null> = Promise.resolve(null);
  let roundsStart = Promise.resolve(new Map<string, RoundSample>());
  let roundsFrom = 0;
  const tables = new RedisTableWatch(() => ctx.redis.info('keyspace'));
  const result = await runLoad(ctx, {
    rate: opts.rate,
    durationS: opts.durationS,
    warmupS: opts.warmupS ?? 0,
    mix: parseMix(opts.mix),
    graceMs: opts.graceMs ?? 10_000,
    ...(opts.abortBacklogS !== undefined ? { abortBacklogS: opts.abortBacklogS } : {}),
    // The line waits for one INFO call; without an answer it goes out bare.
    onTick: (t) => {
      tables.sample(t.elapsedS).then(
        (found) => opts.onProgress?.(progressLine(t) + doublingNote(found)),
        () => opts.onProgress?.(progressLine(t)),
      );
    },
    onMeasureStart: () => {
      cpuStart = sampleCpu(system.pids);
      roundsFrom = performance.now();
      roundsStart = sampleRounds(system.ports);
      // Counting takes an admin connection and a request per topic (100–300 ms on a busy box): the sends go on.
      eventsStart = countEvents(ctx);
    },
  });
  const cpuEnd = sampleCpu(system.pids);
  const roundsEnd = await sampleRounds(system.ports);
  const roundsWindowS = (performance.now() - roundsFrom) / 1000;
  const [startCount, endCount] = [await eventsStart, await countEvents(ctx)];
  const done = result.completed.shipped + result.completed.cancelled + result.completed.rejected;
  const { count: _count, ...latency } = result.latencyMs;
  return {
    rate: opts.rate,
    durationS: opts.durationS,
    requested: result.requested,
    completed: result.completed,
    lost: result.lost,
    throughputPerS: round1(done / result.measuredWindowS),
    latencyMs: latency,
    eventsPerS: startCount && endCount ? round1(eventsPerSecond(startCount, endCount)) : null,
    cpu: cpuStart ? cpuPercent(cpuStart, cpuEnd) : {},
    rounds: cpuStart ? roundsOver(await roundsStart, roundsEnd, roundsWindowS) : {},
    machine,
    aborted: result.aborted,
    lateSends: result.lateSends,
    missedByTail: result.missedByTail,
    redisTableDoublings: tables.doublings,
  };
}

/** `saga bench --rate R --duration S`: one measured run, then the audit. */
export async function runBench(opts: BenchOptions): Promise<BenchReport> {
  parseMix(opts.mix); // refuse a bad mix before starting anything
  return withSession(opts, async (system, ctx, machine) => {
    const warmupS = effectiveWarmupS(opts.warmupS, system.started);
    if (opts.warmupS === undefined && warmupS > 0)
      opts.onProgress?.(
        `[bench] warming up for ${warmupS} s before measuring: it started ${system.started.join(', ')} (--warmup 0 measures the cold start)`,
      );
    const figures = await measure(system, ctx, machine, { ...opts, warmupS });
    await drain(ctx, opts.drainTimeoutS ?? 600, opts.onProgress);
    opts.onProgress?.('[bench] auditing payments and stock in Redis');
    return {
      ...figures,
      runId: ctx.runId,
      mix: opts.mix,
      warmupS,
      startedByBench: system.started,
      audit: await audit(ctx),
    };
  });
}

/**
 * `--find-max` warms up once, before its first step (ramping to that step's rate), by the same rule as a single
 * run: started cold, its first step would measure the JIT warm-up instead of the rate (session 10: p99 1,035 ms at
 * 100/s, the only "unsustainable" step below 1,200/s). Later steps follow a warm system.
 */
export function stepWarmupS(step: number, requested: number | undefined, started: readonly string[]): number {
  return step === 0 ? effectiveWarmupS(requested, started) : 0;
}

export interface FindMaxOptions extends Omit<BenchOptions, 'rate' | 'durationS'> {
  startRate?: number;
  maxRate?: number;
  stepS?: number;
  p99LimitMs?: number;
}

/** `saga bench --find-max`: steps the rate up until a step is not sustainable (p99 > 1 s, loss, growing backlog). */
export async function findMax(opts: FindMaxOptions): Promise<FindMaxReport> {
  parseMix(opts.mix);
  const say = opts.onProgress ?? (() => undefined);
  return withSession(opts, async (system, ctx, machine) => {
    const steps: FindMaxReport['steps'] = [];
    const limit = opts.p99LimitMs ?? FIND_MAX_P99_LIMIT_MS;
    let best: number | null = null;
    let throughput: number | null = null;
    let stopReason = 'reached the highest rate tried';
    // Steps go on past a p99 miss while the system keeps up, so one run gives both the latency-bound rate and the
    // throughput ceiling; they stop at the first step that falls behind.
    for (const rate of rateSteps(opts.startRate ?? 100, opts.maxRate ?? 10_000)) {
      const warmupS = stepWarmupS(steps.length, opts.warmupS, system.started);
      const warming = warmupS > 0 ? ` after ${warmupS} s of warm-up` : '';
      say(`[bench] --find-max: ${rate} sagas/s for ${opts.stepS ?? 20} s${warming}`);
      const f = await measure(system, ctx, machine, {
        ...opts,
        rate,
        durationS: opts.stepS ?? 20,
        warmupS,
        abortBacklogS: 5,
      });
      const figures = {
        rate,
        requested: f.requested,
        completed: f.completed.shipped + f.completed.cancelled + f.completed.rejected,
        lost: f.lost,
        p99Ms: f.latencyMs.p99,
        throughputPerS: f.throughputPerS,
        aborted: f.aborted,
      };
      const reason = unsustainableReason(figures, limit);
      steps.push({ ...f, sustainable: reason === undefined, ...(reason ? { reason } : {}) });
      if (reason === undefined) best = rate; // noise can make a lower step miss; the highest pass is reported
      const behind = fallsBehindReason(figures);
      if (behind) {
        stopReason = `${rate}/s: ${behind}`;
        break;
      }
      throughput = rate;
      // The next step starts from an empty pipeline, or its latencies would include this step's tail.
      const deadline = Date.now() + 60_000;
      while (ctx.tracker.inFlightCount > 0 && Date.now() < deadline) await delay(100);
    }
    // The audit needs the sagas of the last (overloaded) step to have ended, or it would flag them as unfinished.
    await drain(ctx, opts.drainTimeoutS ?? 600, say);
    return {
      runId: ctx.runId,
      maxSustainableRate: best,
      maxThroughputRate: throughput,
      p99LimitMs: limit,
      warmupS: stepWarmupS(0, opts.warmupS, system.started),
      stopReason,
      steps,
      machine,
      startedByBench: system.started,
      audit: await audit(ctx),
    };
  });
}
