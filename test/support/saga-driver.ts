import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { OrderRequested, ShippingAddress } from '@saga/contracts';
import { createEventClient, loadConnectionConfig, type EventClient } from '@saga/messaging';
import { pollUntil } from '@saga/testkit';
import { readOrder, type OrderView } from '@saga/order-service';
import { causallyClosed } from './sequence.js';
import { readPaymentLedger, recoverGateway } from '@saga/payment-service';
import { getStock, setStock } from '@saga/inventory-service';

export const TERMINAL = new Set(['shipped', 'cancelled', 'rejected']);

/** The order's state with its timeline, flattened for assertions. */
export type OrderSnapshot = OrderView['state'] & {
  timeline: OrderView['timeline'];
  failure?: { step: string; reason: string; message: string };
  compensations?: string[];
  errors?: { field: string; code: string; message: string }[];
};

const flatten = (v: OrderView | undefined): OrderSnapshot | undefined =>
  v ? { ...v.state, timeline: v.timeline } : undefined;

export const address = (over: Partial<ShippingAddress> = {}): ShippingAddress => ({
  recipient: 'Ada Lovelace',
  line1: '12 St James Square',
  line2: null,
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'GB',
  ...over,
});

export interface OrderInput {
  orderId?: string;
  customerId?: string;
  sku: string;
  quantity?: number;
  amount?: number;
  currency?: string;
  paymentToken?: string;
  shippingAddress?: ShippingAddress;
}

export function orderRequested(input: OrderInput): OrderRequested {
  const orderId = input.orderId ?? `ord-${randomUUID()}`;
  return {
    type: 'OrderRequested',
    metadata: {
      eventId: randomUUID(),
      orderId,
      correlationId: orderId,
      causationId: null,
      occurredAt: Date.now(),
      producer: 'e2e-test',
      attempt: 1,
    },
    customerId: input.customerId ?? 'cust-1',
    sku: input.sku,
    quantity: input.quantity ?? 1,
    amount: input.amount ?? 4_200,
    currency: input.currency ?? 'EUR',
    paymentToken: input.paymentToken ?? 'tok_approve',
    shippingAddress: input.shippingAddress ?? address(),
  };
}

/** Drives sagas from the outside, as a client would: publish requests, then read what the services recorded. */
export class SagaDriver {
  private constructor(
    readonly client: EventClient,
    readonly redis: Redis,
  ) {}

  static async connect(): Promise<SagaDriver> {
    const conn = loadConnectionConfig();
    const client = await createEventClient(conn, { clientId: 'e2e-driver' });
    const redis = new Redis(conn.redis.url, { lazyConnect: true });
    await redis.connect();
    return new SagaDriver(client, redis);
  }

  async place(input: OrderInput | OrderRequested): Promise<OrderRequested> {
    const event = 'type' in input ? input : orderRequested(input);
    await this.client.publish([event]);
    return event;
  }

  async order(orderId: string): Promise<OrderSnapshot | undefined> {
    return flatten(await readOrder(this.redis, orderId));
  }

  async waitForTerminal(orderId: string, timeoutMs = 30_000) {
    return pollUntil(
      async () => {
        const o = await this.order(orderId);
        return o && TERMINAL.has(o.status) && causallyClosed(o.timeline) ? o : undefined;
      },
      {
        timeoutMs,
        intervalMs: 50,
        description: `order ${orderId} to reach a terminal state with every step's report on its timeline`,
      },
    );
  }

  /** Event types on the order's timeline, in the order the order service saw them (ignored ones left out). */
  async timeline(orderId: string): Promise<string[]> {
    const o = await readOrder(this.redis, orderId);
    return (o?.timeline ?? []).filter((t) => !t.ignored).map((t) => t.type);
  }

  /** The payment ledger of the order (authorized, captured, voided, refunded), undefined if payment never saw it. */
  async ledger(orderId: string) {
    return (await readPaymentLedger(this.redis, orderId))?.ledger;
  }

  stock(sku: string) {
    return getStock(this.redis, sku);
  }

  setStock(sku: string, available: number) {
    return setStock(this.redis, sku, available);
  }

  recoverGateway(orderId: string) {
    return recoverGateway(this.redis, orderId);
  }

  async close(): Promise<void> {
    await this.client.close();
    await this.redis.quit();
  }
}

export const uniqueSku = (label: string): string =>
  `SKU-T-${label.toUpperCase()}-${randomUUID().slice(0, 8)}`;
