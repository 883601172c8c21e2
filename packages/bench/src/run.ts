import { setTimeout as delay } from 'node:timers/promises';
import type { SagaEvent } from '@saga/contracts';
import { reconcileWithRedis, type BenchContext } from './context.js';
import type { LatencySummary } from './histogram.js';
import { benchOrder } from './orders.js';
import { LoadSchedule, MixPicker, type MixEntry } from './schedule.js';
import type { OutcomeCounts } from './tracker.js';

export interface LoadOptions {
  rate: number;
  durationS: number;
  warmupS: number;
  mix: readonly MixEntry[];
  /** How long after the last scheduled send an order may still end before it counts as lost. */
  graceMs: number;
  /** Stop sending when more than rate × this many seconds of orders are in flight (--find-max); off when unset. */
  abortBacklogS?: number;
  /** Called every second while the load runs. */
  onTick?: (tick: Tick) => void;
  /**
   * Called once the warm-up is over, just before the first measured send (CPU and event counters sample here). Not
   * awaited: the schedule must not stall while it samples, or the first measured orders would go out late and
   * their latency would be the bench's own.
   */
  onMeasureStart?: () => void;
}

export interface Tick {
  elapsedS: number;
  sent: number;
  completed: number;
  inFlight: number;
  windowP99: number;
}

export interface LoadResult {
  requested: number;
  completed: OutcomeCounts;
  lost: number;
  aborted: boolean;
  latencyMs: LatencySummary;
  /** From the first measured scheduled send to the last measured completion. */
  measuredWindowS: number;
  /** Orders sent later than 100 ms after their slot: a bench that cannot keep its own schedule. */
  lateSends: number;
  /** Completed per Redis although the tail missed the terminal event: counted, without a latency. */
  missedByTail: number;
}

/** Largest batch per send: big enough to amortise a round trip, small enough to keep a request under 1 MB. */
const MAX_BATCH = 500;

/**
 * Sends start at most this often, like a producer's linger: at 1,000/s the bench's own produce requests (one per
 * acknowledgement, ~2 ms) took a quarter of its CPU and as many broker requests. Below 200/s every order still goes
 * out alone at its slot; above, an order waits at most this long, and its latency counts from its slot regardless.
 */
export const SEND_TICK_MS = 5;

/**
 * One open-loop load: order i is due at start + schedule.offsetMs(i) (i/rate after a ramped warm-up); whatever is due is published in one batch while the
 * previous batch is acknowledged (one send in flight, so batches grow when the broker is slow, never the delay).
 */
export async function runLoad(ctx: BenchContext, opts: LoadOptions): Promise<LoadResult> {
  const { tracker } = ctx;
  tracker.resetMeasurement();
  const picker = new MixPicker(opts.mix);
  const schedule = new LoadSchedule(opts.rate, opts.warmupS, opts.durationS);
  const { warmupCount, total } = schedule;
  const base = tracker.orders.size; // order ids stay unique across --find-max steps
  const start = performance.now();
  const measureStart = start + schedule.measureStartMs;
  let next = 0;
  let aborted = false;
  let measuring = false;
  let lateSends = 0;

  const ticker = setInterval(() => {
    const completed = tracker.counts.shipped + tracker.counts.cancelled + tracker.counts.rejected;
    opts.onTick?.({
      elapsedS: Math.round((performance.now() - start) / 1000),
      sent: next,
      completed,
      inFlight: tracker.inFlightCount,
      windowP99: tracker.window.percentile(99),
    });
    tracker.window.reset();
  }, 1_000);
  try {
    while (next < total) {
      const now = performance.now();
      if (!measuring && next >= warmupCount) {
        measuring = true;
        opts.onMeasureStart?.();
      }
      if (opts.abortBacklogS !== undefined && tracker.inFlightCount > opts.rate * opts.abortBacklogS) {
        aborted = true;
        break;
      }
      // A batch never straddles the warm-up boundary, so onMeasureStart runs before the first measured send.
      const limit = next < warmupCount ? warmupCount : total;
      const due = Math.min(limit, schedule.dueCount(now - start), next + MAX_BATCH);
      if (due <= next) {
        const wait = start + schedule.offsetMs(next) - now;
        await delay(Math.max(1, Math.min(10, wait)));
        continue;
      }
      const events: SagaEvent[] = [];
      for (let i = next; i < due; i++) {
        const kind = picker.next();
        const event = benchOrder(ctx.runId, base + i, kind, ctx.skus);
        const scheduledAt = start + schedule.offsetMs(i);
        if (now - scheduledAt > 100) lateSends++;
        // Registered before the send: a fast saga may end before the producer's acknowledgement arrives.
        tracker.register({
          orderId: event.metadata.orderId,
          kind,
          phase: i < warmupCount ? 'warmup' : 'measured',
          scheduledAt,
        });
        events.push(event);
      }
      await ctx.client.publish(events);
      next = due;
      const rest = SEND_TICK_MS - (performance.now() - now);
      if (rest >= 1 && next < total) await delay(rest);
    }
    if (!measuring) opts.onMeasureStart?.();
    // Lost = no terminal event `graceMs` after the end of the schedule.
    const end = start + schedule.offsetMs(aborted ? next : total) + opts.graceMs;
    while (tracker.inFlightOf('measured') > 0 && performance.now() < end) await delay(50);
    if (tracker.inFlightOf('measured') > 0) await reconcileWithRedis(ctx);
  } finally {
    clearInterval(ticker);
  }
  const lost = tracker.inFlightOf('measured');
  const last = tracker.lastCompletionAt || measureStart;
  return {
    requested: Math.max(0, next - warmupCount),
    completed: { ...tracker.counts },
    lost,
    aborted,
    latencyMs: tracker.latency.summary(),
    measuredWindowS: Math.max(0.001, (last - measureStart) / 1000),
    lateSends,
    missedByTail: tracker.missedByTail,
  };
}
