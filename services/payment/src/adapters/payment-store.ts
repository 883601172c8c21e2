import type { Redis } from 'ioredis';
import type { OrderDetails } from '@saga/contracts';
import { RedisStateStore, type ConstantSplit } from '@saga/messaging';
import type { Ledger, PaymentState, PaymentStatus } from '../payment/state.js';

/** The payment aggregate of one order: state, rev and recorded outputs in one hash (see RedisStateStore). */
export const paymentKey = (orderId: string): string => `pay:{${orderId}}`;

/** The order's details, fixed once authorized: stored once beside the state (StateStoreOptions.constant). */
export function splitOrder(state: PaymentState): ConstantSplit<PaymentState> {
  if (!('order' in state)) return { rest: state };
  const { order, ...rest } = state;
  return { rest: rest as PaymentState, constant: order };
}

export function joinOrder(rest: PaymentState, order: unknown): PaymentState {
  return { ...rest, order: order as OrderDetails } as PaymentState;
}

/** `retentionMs`: how long the aggregate is kept after its last change (0: forever; see StateStoreOptions). */
export const createPaymentStore = (redis: Redis, retentionMs = 0): RedisStateStore<PaymentState> =>
  new RedisStateStore<PaymentState>(redis, {
    retentionMs,
    constant: { split: splitOrder, join: joinOrder },
  });

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
