import type { OrderView } from '@saga/order-service';
import type { PaymentLedgerView } from '@saga/payment-service';
import type { ReservationState, StockLevel } from '@saga/inventory-service';
import type { ShipmentState } from '@saga/shipping-service';

/**
 * Everything the audit knows about one order, gathered from the services' own records in Redis. The checks are
 * pure functions of this, so the unit tests feed fabricated records and the same code judges a real run.
 */
export interface OrderRecord {
  orderId: string;
  /** undefined: the order service never recorded the request (lost, if the request was made). */
  order?: OrderView;
  payment?: PaymentLedgerView;
  reservation?: ReservationState;
  shipment?: ShipmentState;
  /** Retries waiting in any service's durable schedule (not parked). */
  pendingRetries: number;
  /** Retries given up on and parked (visible as stuck, retried slowly and by `saga order retry`). */
  parkedRetries: number;
}

export interface SkuRecord {
  sku: string;
  /** undefined when the SKU is not in the catalog (orders for it fail reservation with UNKNOWN_SKU). */
  level?: StockLevel;
  /** Initial units when the caller knows them: then initial = available + reserved must hold. */
  initial?: number;
}

export interface AuditInput {
  /** Epoch ms the audit runs at: orders younger than `graceMs` without a terminal state are in flight, not lost. */
  now: number;
  graceMs: number;
  orders: OrderRecord[];
  skus: SkuRecord[];
}

/** Where an order is, as the first check sees it. */
export type Standing = 'terminal' | 'stuck' | 'in-flight' | 'lost';

export const CHECK_NAMES = [
  'no-order-lost',
  'money-adds-up',
  'nothing-shipped-when-cancelled',
  'effects-at-most-once',
  'stock-consistent',
  'no-order-moved-backwards',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export interface CheckResult {
  name: CheckName;
  ok: boolean;
  /** How many orders (or SKUs, for stock) the check looked at. */
  checked: number;
  /** How many of them failed it. */
  failed: number;
  /** One line per problem, the first MAX_PROBLEMS of them. */
  problems: string[];
}

export interface AuditFigures {
  orders: number;
  terminal: number;
  shipped: number;
  cancelled: number;
  rejected: number;
  stuck: number;
  inFlight: number;
  lost: number;
  /** Orders with at least one effect done more than once (the effects-at-most-once check). */
  duplicateEffects: number;
  skus: number;
}

export interface AuditReport {
  ok: boolean;
  at: number;
  figures: AuditFigures;
  checks: CheckResult[];
}

export const MAX_PROBLEMS = 20;
