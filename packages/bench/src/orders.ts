import { randomUUID } from 'node:crypto';
import type { OrderRequested } from '@saga/contracts';
import type { OrderKind } from './schedule.js';

/** The SKUs of one run: its own catalog entries, so stock is audited without anyone else's orders mixed in. */
export interface BenchSkus {
  /** Stocked with enough units for every order of the run. */
  stocked: string;
  /** Set to 0: every reservation fails with OUT_OF_STOCK. */
  soldOut: string;
}

export const BENCH_AMOUNT = 4_200;

export const benchSkus = (runId: string): BenchSkus => ({
  stocked: `SKU-BENCH-${runId}`,
  soldOut: `SKU-BENCH-${runId}-SOLDOUT`,
});

/** Order ids share the run's prefix, so the tail can drop other traffic on `orders` before decoding anything. */
export const orderIdPrefix = (runId: string): string => `bench-${runId}-`;

/** An OrderRequested that takes the path of `kind`, through the triggers in README.md ("Triggers"). */
export function benchOrder(runId: string, index: number, kind: OrderKind, skus: BenchSkus): OrderRequested {
  const orderId = `${orderIdPrefix(runId)}${index}`;
  const ship = kind === 'ship-fails';
  return {
    type: 'OrderRequested',
    metadata: {
      eventId: randomUUID(),
      orderId,
      correlationId: orderId,
      causationId: null,
      occurredAt: Date.now(),
      producer: 'saga-bench',
      attempt: 1,
    },
    customerId: `bench-cust-${index % 1000}`,
    sku: kind === 'out-of-stock' ? skus.soldOut : skus.stocked,
    // Quantity 0 breaks a validation rule: the order service rejects the request (OrderRejected).
    quantity: kind === 'rejected' ? 0 : 1,
    amount: BENCH_AMOUNT,
    currency: 'EUR',
    paymentToken:
      kind === 'declined'
        ? 'tok_insufficient_funds'
        : kind === 'capture-fails'
          ? 'tok_capture_fails'
          : 'tok_approve',
    shippingAddress: {
      recipient: 'Bench Runner',
      line1: '1 Load Street',
      line2: null,
      city: ship ? 'McMurdo' : 'London',
      postalCode: ship ? '0000' : 'SW1Y 4JH',
      // AQ is undeliverable: ShipmentFailed, then refund and release.
      country: ship ? 'AQ' : 'GB',
    },
  };
}
