import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { OrderRequested, ValidationError } from '@saga/contracts';
import { readOrder, validateOrderRequest, type OrderView } from '@saga/order-service';
import { exitCodeOf, timelineLine } from './format-order.js';
import { pause } from './order-io.js';

/** `saga order place` options as commander hands them over: strings, nothing trusted yet. */
export interface PlaceOptions {
  orderId?: string;
  customer?: string;
  sku?: string;
  quantity?: string;
  amount?: string;
  currency?: string;
  card?: string;
  recipient?: string;
  line1?: string;
  line2?: string;
  city?: string;
  postalCode?: string;
  country?: string;
}

/** A friendly default customer and address so a demo order needs only sku, quantity, amount, currency and card. */
export const DEMO_DEFAULTS = {
  customer: 'cust-demo',
  recipient: 'Ada Lovelace',
  line1: '12 St James Square',
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'GB',
} as const;

/** Whole numbers become numbers; anything else stays text so the validator can name the problem. */
function numeric(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  return /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
}

/**
 * The request as the user gave it (for validation), and the event to publish. With --no-validate an invalid value
 * still has to fit the Avro schema, so it is replaced by an empty/zero value the order service will then reject.
 */
export function buildOrderRequest(
  opts: PlaceOptions,
  now = Date.now(),
  newId: () => string = randomUUID,
): { event: OrderRequested; errors: ValidationError[] } {
  const orderId = opts.orderId ?? newId();
  const shippingAddress = {
    recipient: opts.recipient ?? DEMO_DEFAULTS.recipient,
    line1: opts.line1 ?? DEMO_DEFAULTS.line1,
    line2: opts.line2 ?? null,
    city: opts.city ?? DEMO_DEFAULTS.city,
    postalCode: opts.postalCode ?? DEMO_DEFAULTS.postalCode,
    country: opts.country ?? DEMO_DEFAULTS.country,
  };
  const quantity = numeric(opts.quantity);
  const amount = numeric(opts.amount);
  const errors = validateOrderRequest({
    orderId,
    customerId: opts.customer ?? DEMO_DEFAULTS.customer,
    sku: opts.sku,
    quantity,
    amount,
    currency: opts.currency,
    paymentToken: opts.card,
    shippingAddress,
  });
  const int = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) ? v : 0);
  const event: OrderRequested = {
    type: 'OrderRequested',
    metadata: {
      eventId: newId(),
      orderId,
      correlationId: orderId,
      causationId: null,
      occurredAt: now,
      producer: 'saga-cli',
      attempt: 1,
    },
    customerId: opts.customer ?? DEMO_DEFAULTS.customer,
    sku: opts.sku ?? '',
    quantity: int(quantity),
    amount: int(amount),
    currency: opts.currency ?? '',
    paymentToken: opts.card ?? '',
    shippingAddress,
  };
  return { event, errors };
}

export interface WaitResult {
  view: OrderView | undefined;
  /** 0 shipped, 2 cancelled or rejected, undefined when the time ran out. */
  exitCode: number | undefined;
}

/**
 * Polls the order service's record of the order until it is terminal, calling `onEntry` once per new timeline
 * entry (in the order the order service recorded them). The order service is the only place that sees every event
 * of the saga, so this needs no Kafka consumer and no group join.
 */
export async function waitForOrder(
  redis: Redis,
  orderId: string,
  opts: { timeoutMs: number; startedAt: number; onEntry?: (line: string) => void; signal?: AbortSignal },
): Promise<WaitResult> {
  const deadline = Date.now() + opts.timeoutMs;
  let printed = 0;
  let view: OrderView | undefined;
  for (;;) {
    view = await readOrder(redis, orderId);
    if (view) {
      for (const entry of view.timeline.slice(printed)) opts.onEntry?.(timelineLine(entry, opts.startedAt));
      printed = view.timeline.length;
      const code = exitCodeOf(view.state.status);
      if (code !== undefined) return { view, exitCode: code };
    }
    if (Date.now() >= deadline || opts.signal?.aborted) return { view, exitCode: undefined };
    await pause(100, opts.signal);
  }
}
