import type { Redis } from 'ioredis';
import { RedisStateStore } from '@saga/messaging';
import type { Ledger, PaymentState, PaymentStatus } from '../payment/state.js';

/** The payment aggregate of one order: state, rev and recorded outputs in one hash (see RedisStateStore). */
export const paymentKey = (orderId: string): string => `pay:{${orderId}}`;

/** `retentionMs`: how long the aggregate is kept after its last change (0: forever; see StateStoreOptions). */
export const createPaymentStore = (redis: Redis, retentionMs = 0): RedisStateStore<PaymentState> =>
  new RedisStateStore<PaymentState>(redis, { retentionMs });

export interface PaymentLedgerView {
  orderId: string;
  status: PaymentStatus;
  ledger: Ledger;
}

/** The money moved for one order, for the CLI, tests and audits; undefined when payment never saw the order. */
export async function readPaymentLedger(
  redis: Redis,
  orderId: string,
): Promise<PaymentLedgerView | undefined> {
  const state = await createPaymentStore(redis).read(paymentKey(orderId));
  return state ? { orderId, status: state.status, ledger: state.ledger } : undefined;
}
