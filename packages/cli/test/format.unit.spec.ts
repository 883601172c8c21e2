import type { RetryItem } from '@saga/messaging';
import type { OrderState, TimelineEntry } from '@saga/order-service';
import {
  exitCodeOf,
  listLine,
  offset,
  reportLines,
  stuckLine,
  timelineLine,
  timelineLines,
  validationLines,
} from '../src/format-order.js';
import {
  deadLetterInfo,
  dlqLine,
  parseRecordId,
  planRedrive,
  recordId,
  redriveHeaders,
  REDRIVE_COUNT_HEADER,
  tailLine,
} from '../src/format-record.js';
import { buildOrderRequest } from '../src/order-place.js';

const entry = (over: Partial<TimelineEntry>): TimelineEntry => ({
  eventId: 'e1',
  causationId: null,
  type: 'OrderRequested',
  producer: 'saga-cli',
  occurredAt: 1_000,
  attempt: 1,
  receivedAt: 1_000,
  summary: 'requested',
  ...over,
});

const address = {
  recipient: 'Ada',
  line1: 'l1',
  line2: null,
  city: 'London',
  postalCode: 'SW1',
  country: 'GB',
};
const order = {
  customerId: 'c',
  sku: 'SKU-APPLE',
  quantity: 2,
  amount: 500,
  currency: 'EUR',
  shippingAddress: address,
};

describe('order formatting', () => {
  it('prints timeline offsets relative to the first event, with producer, type, attempt and summary', () => {
    const lines = timelineLines([
      entry({}),
      entry({
        eventId: 'e2',
        type: 'PaymentAuthorized',
        producer: 'payment',
        occurredAt: 1_123,
        attempt: 3,
        summary: 'ok',
      }),
    ]);
    expect(lines[0]).toMatch(/^\s*\+0\.000s\s+saga-cli\s+OrderRequested\s+attempt 1\s+requested$/);
    expect(lines[1]).toMatch(/^\s*\+0\.123s\s+payment\s+PaymentAuthorized\s+attempt 3\s+ok$/);
    expect(offset(-5)).toBe('+0.000s');
  });

  it('marks ignored (late) entries with the reason', () => {
    expect(timelineLine(entry({ ignored: 'order already cancelled' }), 1_000)).toContain(
      '(ignored: order already cancelled)',
    );
  });

  it('maps terminal statuses to exit codes: shipped 0, cancelled/rejected 2, pending none', () => {
    expect(exitCodeOf('shipped')).toBe(0);
    expect(exitCodeOf('cancelled')).toBe(2);
    expect(exitCodeOf('rejected')).toBe(2);
    expect(exitCodeOf('pending')).toBeUndefined();
  });

  it('names validation problems by the flag that fixes them', () => {
    const lines = validationLines([
      { field: 'sku', code: 'REQUIRED', message: 'sku is required' },
      { field: 'paymentToken', code: 'REQUIRED', message: 'paymentToken is required' },
      { field: 'shippingAddress.country', code: 'INVALID_FORMAT', message: 'bad' },
    ]);
    expect(lines).toEqual([
      '  --sku: sku is required (REQUIRED)',
      '  --card: paymentToken is required (REQUIRED)',
      '  --country: bad (INVALID_FORMAT)',
    ]);
  });

  it('lists an order in one line, stuck overriding the status', () => {
    const state: OrderState = {
      status: 'cancelled',
      orderId: 'o1',
      createdAt: 0,
      updatedAt: 0,
      order,
      progress: { compensations: [] },
      failure: { step: 'AUTHORIZE_PAYMENT', reason: 'INSUFFICIENT_FUNDS', message: 'no' },
      compensations: [],
    };
    expect(listLine(state, false)).toBe(
      '1970-01-01T00:00:00.000Z  o1  cancelled  2 x SKU-APPLE, 500 EUR  AUTHORIZE_PAYMENT INSUFFICIENT_FUNDS',
    );
    expect(listLine(state, true)).toContain('  stuck  ');
  });

  it('reports an order with money, stock, shipment, retries and timeline', () => {
    const state: OrderState = {
      status: 'shipped',
      orderId: 'o1',
      createdAt: 0,
      updatedAt: 0,
      order,
      progress: { compensations: [] },
      trackingNumber: 'TRK1',
    };
    const retry: RetryItem = {
      id: 'o1|e9',
      service: 'payment',
      orderId: 'o1',
      eventId: 'e9',
      eventType: 'ItemReleased',
      attempt: 4,
      policy: 'infrastructure',
      lastError: { code: 'X', message: 'down', retriable: true },
      firstFailedAt: 0,
      dueAt: 0,
      parked: true,
      parkedAt: 0,
      record: { topic: 't', partition: 0, offset: '0', key: null, value: '', headers: {} },
    };
    const text = reportLines(
      {
        orderId: 'o1',
        status: 'stuck',
        state,
        retries: [retry],
        ledger: {
          orderId: 'o1',
          status: 'captured',
          ledger: {
            currency: 'EUR',
            authorized: 500,
            captured: 500,
            voided: 0,
            refunded: 0,
            authorizationId: 'a',
            captureId: 'c',
            refundId: null,
          },
        } as never,
        reservation: { status: 'reserved', sku: 'SKU-APPLE', quantity: 2, reservationId: 'r1', at: 0 },
        shipment: { status: 'shipped', shipmentId: 's1', trackingNumber: 'TRK1', carrier: 'sim', at: 0 },
        timeline: [entry({})],
      },
      0,
    ).join('\n');
    expect(text).toContain('order o1: stuck (saga status shipped)');
    expect(text).toContain('authorized 500, captured 500, voided 0, refunded 0 EUR');
    expect(text).toContain('stock SKU-APPLE: reserved, effect -2 held (r1)');
    expect(text).toContain('shipment: s1 with sim, tracking TRK1');
    expect(text).toContain('payment: ItemReleased attempt 4 (infrastructure), parked since');
    expect(text).toMatch(/timeline:\n\s+\+0\.000s\s+saga-cli\s+OrderRequested/);
    expect(stuckLine(retry)).toContain('o1  payment');
  });
});

describe('order place input', () => {
  const ids = (() => {
    let n = 0;
    return () => `id-${++n}`;
  })();

  it('builds a valid OrderRequested with demo defaults for customer and address', () => {
    const { event, errors } = buildOrderRequest(
      { sku: 'SKU-APPLE', quantity: '2', amount: '4200', currency: 'EUR', card: 'tok_approve' },
      7,
      ids,
    );
    expect(errors).toEqual([]);
    expect(event).toMatchObject({
      type: 'OrderRequested',
      quantity: 2,
      amount: 4200,
      metadata: { orderId: 'id-1', eventId: 'id-2', correlationId: 'id-1', occurredAt: 7, attempt: 1 },
      shippingAddress: { country: 'GB', line2: null },
    });
  });

  it('lists every problem at once, and still yields an encodable event for --no-validate', () => {
    const { event, errors } = buildOrderRequest({ quantity: '0', amount: 'ten', currency: 'eur' }, 0, ids);
    expect(errors.map((e) => e.field).sort()).toEqual([
      'amount',
      'currency',
      'paymentToken',
      'quantity',
      'sku',
    ]);
    expect(event).toMatchObject({ sku: '', quantity: 0, amount: 0, paymentToken: '' });
  });
});

describe('record formatting and redrive planning', () => {
  const dlqHeaders = {
    'saga-order-id': 'o1',
    'dlq-original-topic': 'order-requests',
    'dlq-original-partition': '3',
    'dlq-original-offset': '17',
    'dlq-error-code': 'WRONG_MAGIC_BYTE',
    'dlq-error-message': 'expected magic byte 0',
    'dlq-service': 'order',
    'dlq-failed-at': '2026-01-01T00:00:00.000Z',
  };

  it('round-trips record ids and rejects malformed ones', () => {
    expect(recordId({ topic: 'dlq.order', partition: 3, offset: '17' })).toBe('dlq.order:3:17');
    expect(parseRecordId('dlq.order:3:17')).toEqual({ topic: 'dlq.order', partition: 3, offset: '17' });
    expect(parseRecordId('dlq.order:x:17')).toBeUndefined();
    expect(parseRecordId('nope')).toBeUndefined();
  });

  it('reads dead-letter headers, redrive count 0 when absent', () => {
    const info = deadLetterInfo(dlqHeaders);
    expect(info).toMatchObject({
      originalTopic: 'order-requests',
      originalPartition: 3,
      errorCode: 'WRONG_MAGIC_BYTE',
      redriveCount: 0,
    });
    expect(dlqLine('dlq.order:0:1', info, true)).toBe(
      'dlq.order:0:1  from order-requests:3:17  failed 2026-01-01T00:00:00.000Z  WRONG_MAGIC_BYTE: expected magic byte 0  redrives 0 (redriven)',
    );
  });

  it('redrives with the DLQ headers dropped and the count bumped', () => {
    expect(redriveHeaders({ ...dlqHeaders, [REDRIVE_COUNT_HEADER]: '1' })).toEqual({
      'saga-order-id': 'o1',
      [REDRIVE_COUNT_HEADER]: '2',
    });
  });

  it('plans: skip already-redriven ids, refuse at the loop limit, redrive the rest', () => {
    const at = (id: string, redriveCount: number) => ({
      id,
      info: { ...deadLetterInfo(dlqHeaders), redriveCount },
    });
    const plan = planRedrive([at('a', 0), at('b', 3), at('c', 2)], new Set(['a']));
    expect(plan.done.map((r) => r.id)).toEqual(['a']);
    expect(plan.refused.map((r) => r.id)).toEqual(['b']);
    expect(plan.redrive.map((r) => r.id)).toEqual(['c']);
  });

  it('tails one record per line', () => {
    expect(
      tailLine({
        timestamp: Date.UTC(2026, 0, 1, 14, 3, 12, 345),
        topic: 'payments',
        type: 'PaymentAuthorized',
        orderId: 'o1',
        eventId: '1a2b3c4d-xxxx',
        summary: 'authorization a1',
      }),
    ).toMatch(/^14:03:12\.345 {2}payments\s+PaymentAuthorized\s+o1 {2}1a2b3c4d {2}authorization a1$/);
  });
});
