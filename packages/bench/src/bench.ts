import { cpus } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { Topics } from '@saga/contracts';
import { audit, type AuditResult } from './audit.js';
import { openContext, type BenchContext } from './context.js';
import { cpuPercent, sampleCpu, type CpuSample } from './cpu.js';
import type { LatencySummary } from './histogram.js';
import { runLoad, type Tick } from './run.js';
import { parseMix, rateSteps, unsustainableReason } from './schedule.js';
import { ensureSystem, type BenchSystem } from './system.js';
import type { OutcomeCounts } from './tracker.js';

export interface BenchOptions {
  rate: number;
  durationS: number;
  warmupS?: number;
  mix: string;
  /** Where the services answer (order at basePort, then payment, inventory, shipping). */
  basePort?: number;
  graceMs?: number;
  serviceNodeOptions?: string;
  onProgress?: (line: string) => void;
}

export interface Machine {
  cores: number;
  model: string;
  node: string;
  kafka: string | null;
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
  machine: Machine;
  aborted: boolean;
  lateSends: number;
}

export interface BenchReport extends BenchFigures {
  mix: string;
  warmupS: number;
  startedByBench: string[];
  audit: AuditResult;
}

export interface FindMaxReport {
  maxSustainableRate: number | null;
  stopReason: string;
  steps: (BenchFigures & { sustainable: boolean; reason?: string })[];
  machine: Machine;
  startedByBench: string[];
  audit: AuditResult;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** Records on the saga's event topics (high − low watermark, via the lag of a group that never commits). */
async function recordsInTopics(ctx: BenchContext): Promise<number | null> {
  try {
    return await ctx.client.lag(`saga-bench-count-${ctx.runId}`, Object.values(Topics));
  } catch {
    return null;
  }
}

async function withSession<T>(
  opts: Pick<BenchOptions, 'basePort' | 'serviceNodeOptions' | 'onProgress'>,
  body: (system: BenchSystem, ctx: BenchContext, machine: Machine) => Promise<T>,
): Promise<T> {
  const say = opts.onProgress ?? (() => undefined);
  const system = await ensureSystem({
    basePort: opts.basePort ?? 3000,
    onProgress: say,
    ...(opts.serviceNodeOptions ? { serviceNodeOptions: opts.serviceNodeOptions } : {}),
  });
  try {
    const ctx = await openContext(say);
    try {
      const machine: Machine = {
        cores: cpus().length,
        model: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        kafka: system.kafkaVersion,
      };
      return await body(system, ctx, machine);
    } finally {
      await ctx.close();
    }
  } finally {
    await system.stop();
  }
}

function progressLine(t: Tick): string {
  return `[bench] ${String(t.elapsedS).padStart(4)} s  sent ${t.sent}  completed ${t.completed}  in flight ${t.inFlight}  p99 ${t.windowP99} ms (last 1 s)`;
}

/** One load at a fixed rate, measured, with CPU and event counters over the measured window. */
async function measure(
  system: BenchSystem,
  ctx: BenchContext,
  machine: Machine,
  opts: BenchOptions & { abortBacklogS?: number },
): Promise<BenchFigures> {
  let cpuStart: CpuSample | undefined;
  let eventsStart: number | null = null;
  let measureStartAt = performance.now();
  const result = await runLoad(ctx, {
    rate: opts.rate,
    durationS: opts.durationS,
    warmupS: opts.warmupS ?? 0,
    mix: parseMix(opts.mix),
    graceMs: opts.graceMs ?? 10_000,
    ...(opts.abortBacklogS !== undefined ? { abortBacklogS: opts.abortBacklogS } : {}),
    onTick: (t) => opts.onProgress?.(progressLine(t)),
    onMeasureStart: async () => {
      cpuStart = sampleCpu(system.pids);
      measureStartAt = performance.now();
      eventsStart = await recordsInTopics(ctx);
    },
  });
  const cpuEnd = sampleCpu(system.pids);
  const eventsEnd = await recordsInTopics(ctx);
  const windowS = (performance.now() - measureStartAt) / 1000;
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
    eventsPerS:
      eventsStart !== null && eventsEnd !== null ? round1((eventsEnd - eventsStart) / windowS) : null,
    cpu: cpuStart ? cpuPercent(cpuStart, cpuEnd) : {},
    machine,
    aborted: result.aborted,
    lateSends: result.lateSends,
  };
}

/** `saga bench --rate R --duration S`: one measured run, then the audit. */
export async function runBench(opts: BenchOptions): Promise<BenchReport> {
  parseMix(opts.mix); // refuse a bad mix before starting anything
  return withSession(opts, async (system, ctx, machine) => {
    const figures = await measure(system, ctx, machine, opts);
    opts.onProgress?.('[bench] auditing payments and stock in Redis');
    return {
      ...figures,
      mix: opts.mix,
      warmupS: opts.warmupS ?? 0,
      startedByBench: system.started,
      audit: await audit(ctx),
    };
  });
}

export interface FindMaxOptions extends Omit<BenchOptions, 'rate' | 'durationS'> {
  startRate?: number;
  maxRate?: number;
  stepS?: number;
}

/** `saga bench --find-max`: steps the rate up until a step is not sustainable (p99 > 1 s, loss, growing backlog). */
export async function findMax(opts: FindMaxOptions): Promise<FindMaxReport> {
  parseMix(opts.mix);
  const say = opts.onProgress ?? (() => undefined);
  return withSession(opts, async (system, ctx, machine) => {
    const steps: FindMaxReport['steps'] = [];
    let best: number | null = null;
    let stopReason = 'reached the highest rate tried';
    for (const rate of rateSteps(opts.startRate ?? 100, opts.maxRate ?? 10_000)) {
      say(`[bench] --find-max: ${rate} sagas/s for ${opts.stepS ?? 20} s`);
      const f = await measure(system, ctx, machine, {
        ...opts,
        rate,
        durationS: opts.stepS ?? 20,
        warmupS: 0,
        abortBacklogS: 5,
      });
      const reason = unsustainableReason({
        rate,
        requested: f.requested,
        completed: f.completed.shipped + f.completed.cancelled + f.completed.rejected,
        lost: f.lost,
        p99Ms: f.latencyMs.p99,
        aborted: f.aborted,
      });
      steps.push({ ...f, sustainable: reason === undefined, ...(reason ? { reason } : {}) });
      if (reason) {
        stopReason = `${rate}/s: ${reason}`;
        break;
      }
      best = rate;
      // The next step starts from an empty pipeline, or its latencies would include this step's tail.
      const deadline = Date.now() + 60_000;
      while (ctx.tracker.inFlightCount > 0 && Date.now() < deadline) await delay(100);
    }
    // The audit needs the sagas of the last (overloaded) step to have ended, or it would flag them as unfinished.
    say('[bench] waiting up to 120 s for in-flight sagas before the audit');
    const deadline = Date.now() + 120_000;
    while (ctx.tracker.inFlightCount > 0 && Date.now() < deadline) await delay(200);
    return {
      maxSustainableRate: best,
      stopReason,
      steps,
      machine,
      startedByBench: system.started,
      audit: await audit(ctx),
    };
  });
}
