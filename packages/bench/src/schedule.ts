import { BenchError } from './errors.js';

/**
 * The pure arithmetic of an open-loop run: which orders are due when, which path each one takes, and how
 * --find-max steps the rate. No clocks or I/O here, so the unit tests pin it down exactly.
 */

/** Saga paths the bench can drive; each maps to a trigger the services already understand (see README.md). */
export const ORDER_KINDS = [
  'happy',
  'declined',
  'out-of-stock',
  'ship-fails',
  'capture-fails',
  'rejected',
] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];
export type Outcome = 'shipped' | 'cancelled' | 'rejected';

/** The terminal state each path must end in; anything else is reported by the audit. */
export const EXPECTED_OUTCOME: Readonly<Record<OrderKind, Outcome>> = {
  happy: 'shipped',
  declined: 'cancelled',
  'out-of-stock': 'cancelled',
  'ship-fails': 'cancelled',
  'capture-fails': 'cancelled',
  rejected: 'rejected',
};

export const DEFAULT_MIX = 'happy=80,declined=10,out-of-stock=5,ship-fails=5';

export interface MixEntry {
  kind: OrderKind;
  weight: number;
}

/** `happy=80,declined=10` → entries with positive integer weights; unknown kinds and bad numbers are refused. */
export function parseMix(spec: string): MixEntry[] {
  const entries: MixEntry[] = [];
  for (const part of spec.split(',').map((s) => s.trim())) {
    if (part === '') continue;
    const m = /^([a-z-]+)=(\d+)$/.exec(part);
    if (!m) throw new BenchError('BENCH_INVALID_MIX', `mix entry "${part}" is not <kind>=<weight>`);
    const kind = m[1] as OrderKind;
    if (!ORDER_KINDS.includes(kind))
      throw new BenchError('BENCH_INVALID_MIX', `unknown kind "${m[1]}" (one of ${ORDER_KINDS.join(', ')})`);
    if (entries.some((e) => e.kind === kind))
      throw new BenchError('BENCH_INVALID_MIX', `kind "${kind}" appears twice`);
    const weight = Number(m[2]);
    if (weight > 0) entries.push({ kind, weight });
  }
  if (entries.length === 0)
    throw new BenchError('BENCH_INVALID_MIX', 'the mix has no kind with a weight > 0');
  return entries;
}

/**
 * Smooth weighted round-robin (as nginx balances upstreams): deterministic, and every window of sum(weights)
 * picks has exactly the requested proportions, spread out rather than in runs — so a short smoke run still sees
 * every path and two runs with the same mix send the same sequence.
 */
export class MixPicker {
  private readonly current: number[];
  private readonly total: number;

  constructor(private readonly mix: readonly MixEntry[]) {
    this.current = mix.map(() => 0);
    this.total = mix.reduce((s, e) => s + e.weight, 0);
  }

  next(): OrderKind {
    let best = 0;
    for (let i = 0; i < this.mix.length; i++) {
      this.current[i]! += this.mix[i]!.weight;
      if (this.current[i]! > this.current[best]!) best = i;
    }
    this.current[best]! -= this.total;
    return this.mix[best]!.kind;
  }
}

/** Total orders of a run at `rate` per second for `seconds`. */
export function orderCount(rate: number, seconds: number): number {
  return Math.round(rate * seconds);
}

/** Order i is scheduled at i / rate seconds after the start, whether or not earlier ones were sent or answered. */
export function scheduledOffsetMs(index: number, rate: number): number {
  return (index * 1000) / rate;
}

/** How many orders are due `elapsedMs` after the start (order 0 is due at once), capped at `total`. */
export function dueCount(elapsedMs: number, rate: number, total: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor((elapsedMs * rate) / 1000 + 1e-9) + 1);
}

/** A warm-up's rate starts at this share of the run's rate and rises linearly to the full rate at its end. */
export const WARMUP_RAMP_FROM = 0.1;

/**
 * When each order of a run is due: a warm-up whose rate ramps from WARMUP_RAMP_FROM × rate to the rate, then the
 * measured orders at the steady rate. A ramp rather than the full rate from the first second: cold processes
 * (V8 still compiling) fall behind a full-rate start, and the backlog they build would still be draining when the
 * measurement starts. With no warm-up, order i is due at i / rate, as before.
 */
export class LoadSchedule {
  readonly warmupCount: number;
  readonly total: number;
  /** Offset of the first measured order: the end of the warm-up. */
  readonly measureStartMs: number;
  /** Warm-up rate at t = 0, in orders per ms, and its increase per ms. */
  private readonly r0: number;
  private readonly slope: number;

  constructor(
    readonly rate: number,
    warmupS: number,
    durationS: number,
  ) {
    const perMs = rate / 1000;
    this.measureStartMs = warmupS * 1000;
    this.r0 = perMs * WARMUP_RAMP_FROM;
    this.slope = warmupS > 0 ? (perMs - this.r0) / this.measureStartMs : 0;
    this.warmupCount = Math.round(this.rampCount(this.measureStartMs));
    this.total = this.warmupCount + orderCount(rate, durationS);
  }

  /** Warm-up orders due by t ms (fractional): the integral of the ramp. */
  private rampCount(t: number): number {
    return this.r0 * t + (this.slope * t * t) / 2;
  }

  offsetMs(index: number): number {
    if (index >= this.warmupCount)
      return this.measureStartMs + scheduledOffsetMs(index - this.warmupCount, this.rate);
    // rampCount(t) = index, solved for t in the form that does not cancel when the slope is small.
    return (2 * index) / (this.r0 + Math.sqrt(this.r0 * this.r0 + 2 * this.slope * index));
  }

  /** How many orders are due `elapsedMs` after the start (order 0 is due at once), capped at the total. */
  dueCount(elapsedMs: number): number {
    if (elapsedMs < 0) return 0;
    if (elapsedMs < this.measureStartMs)
      return Math.min(this.warmupCount, Math.floor(this.rampCount(elapsedMs) + 1e-9) + 1);
    const measured = dueCount(elapsedMs - this.measureStartMs, this.rate, this.total - this.warmupCount);
    return this.warmupCount + measured;
  }
}

/** --find-max rates: doubling up to 800, then +400 at a time (100, 200, 400, 800, 1200, 1600, ...). */
export function nextRate(rate: number): number {
  return rate < 800 ? rate * 2 : rate + 400;
}

export function rateSteps(start: number, max: number): number[] {
  const steps: number[] = [];
  for (let r = start; r <= max; r = nextRate(r)) steps.push(r);
  return steps;
}

export interface StepFigures {
  rate: number;
  requested: number;
  completed: number;
  lost: number;
  p99Ms: number;
  /** Completed sagas per second, from the step's start to its last completion. */
  throughputPerS: number;
  /** Set when the step was cut short because the backlog passed its bound. */
  aborted: boolean;
}

/**
 * Below this share of the offered rate a step did not keep up, even when everything ended within the grace period:
 * a short step (`--step-duration 5`) can drain a backlog of twice its length in the 10 s after it. A step that keeps
 * up ends within its duration plus its latency (20 s at p99 1 s: ≥ 0.95 of the rate).
 */
export const KEPT_UP_SHARE = 0.75;

export const FIND_MAX_P99_LIMIT_MS = 1000;

/** Why the system did not keep up with a --find-max step (backlog, loss), or undefined when it did. */
export function fallsBehindReason(s: StepFigures): string | undefined {
  if (s.aborted) return 'backlog kept growing (step cut short)';
  if (s.lost > 0) return `${s.lost} orders without a terminal event 10 s after the step`;
  if (s.completed < s.requested) return `only ${s.completed}/${s.requested} completed`;
  if (s.throughputPerS < KEPT_UP_SHARE * s.rate)
    return `completed ${s.throughputPerS}/s of ${s.rate}/s offered: the backlog drained after the step`;
  return undefined;
}

/** Why a --find-max step is not sustainable (falls behind, or p99 over the limit), or undefined when it is. */
export function unsustainableReason(s: StepFigures, p99LimitMs = FIND_MAX_P99_LIMIT_MS): string | undefined {
  const behind = fallsBehindReason(s);
  if (behind) return behind;
  if (s.p99Ms > p99LimitMs) return `p99 ${s.p99Ms.toFixed(0)} ms > ${p99LimitMs} ms`;
  return undefined;
}
