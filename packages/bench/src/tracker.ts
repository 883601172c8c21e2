import { LatencyHistogram } from './histogram.js';
import type { OrderKind, Outcome } from './schedule.js';

/** probe: readiness probes before the run; warmup: sent but not measured; measured: counted in the figures. */
export type Phase = 'probe' | 'warmup' | 'measured';

export interface TrackedOrder {
  orderId: string;
  kind: OrderKind;
  phase: Phase;
  /** performance.now() time the open-loop schedule gave this order (not when it was actually sent). */
  scheduledAt: number;
  outcome?: Outcome;
}

export type OutcomeCounts = Record<Outcome, number>;

const TERMINAL_TYPES: Readonly<Record<string, Outcome>> = {
  OrderShipped: 'shipped',
  OrderCancelled: 'cancelled',
  OrderRejected: 'rejected',
};

/** The outcome a terminal event type stands for, undefined for every other event on `orders`. */
export const outcomeOf = (eventType: string | undefined): Outcome | undefined =>
  eventType === undefined ? undefined : TERMINAL_TYPES[eventType];

/**
 * Bookkeeping of one bench context: every order sent, which are still in flight, and the latency of each
 * measured one from its scheduled time (so a stalled sender or a slow system shows up in the latency instead of
 * being hidden — coordinated omission). Pure apart from the clock value passed in.
 */
export class Tracker {
  readonly orders = new Map<string, TrackedOrder>();
  private readonly inFlight = new Set<string>();
  readonly latency = new LatencyHistogram();
  /** Completions since the last progress line, for a "current" p99. */
  readonly window = new LatencyHistogram();
  readonly counts: OutcomeCounts = { shipped: 0, cancelled: 0, rejected: 0 };
  lastCompletionAt = 0;
  /** Measured orders completed by reconciliation with Redis rather than by the tail. */
  missedByTail = 0;

  register(order: TrackedOrder): void {
    this.orders.set(order.orderId, order);
    this.inFlight.add(order.orderId);
  }

  /** Records a terminal event; false for unknown orders and redeliveries (at-least-once reads). */
  complete(orderId: string, outcome: Outcome, now: number): boolean {
    const order = this.orders.get(orderId);
    if (!order || !this.inFlight.delete(orderId)) return false;
    order.outcome = outcome;
    if (order.phase === 'measured') {
      const ms = now - order.scheduledAt;
      this.latency.record(ms);
      this.window.record(ms);
      this.counts[outcome]++;
      this.lastCompletionAt = now;
    }
    return true;
  }

  /**
   * An order whose terminal state Redis shows but whose terminal event the tail never delivered (its consumer lost
   * its place, e.g. across a broker restart): counted as completed, with no latency, and reported as missed.
   */
  completeUnseen(orderId: string, outcome: Outcome): boolean {
    const order = this.orders.get(orderId);
    if (!order || !this.inFlight.delete(orderId)) return false;
    order.outcome = outcome;
    if (order.phase === 'measured') {
      this.counts[outcome]++;
      this.missedByTail++;
    }
    return true;
  }

  /** In-flight order ids (a copy: completions may arrive while the caller iterates). */
  inFlightIds(): string[] {
    return [...this.inFlight];
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  isInFlight(orderId: string): boolean {
    return this.inFlight.has(orderId);
  }

  /** Starts a new measured step (--find-max): earlier figures are dropped, the orders stay for the audit. */
  resetMeasurement(): void {
    this.latency.reset();
    this.window.reset();
    this.counts.shipped = this.counts.cancelled = this.counts.rejected = 0;
    this.lastCompletionAt = 0;
    this.missedByTail = 0;
    for (const o of this.orders.values()) if (o.phase === 'measured') o.phase = 'warmup';
  }

  inFlightOf(phase: Phase): number {
    let n = 0;
    for (const id of this.inFlight) if (this.orders.get(id)?.phase === phase) n++;
    return n;
  }
}
