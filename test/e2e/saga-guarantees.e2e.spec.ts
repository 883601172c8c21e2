/**
 * The guarantees around the paths: one saga per orderId, no effect done twice under redelivery, poison goes to the
 * dead-letter topic without stopping anything, the last unit goes to exactly one order, and a compensation that
 * keeps failing is parked (never dropped) until retried by command.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { deadLetterTopic, Topics } from '@saga/contracts';
import { DeadLetterHeaders, RetryStore } from '@saga/messaging';
import { pollUntil } from '@saga/testkit';
import { SystemUnderTest } from '../support/system.js';
import { address, orderRequested, SagaDriver, uniqueSku } from '../support/saga-driver.js';
import { causalSequence } from '../support/sequence.js';

const GROUPS = {
  order: [Topics.orderRequests, Topics.payments, Topics.inventory, Topics.shipping],
  payment: [Topics.orders, Topics.inventory, Topics.shipping],
  inventory: [Topics.payments],
  shipping: [Topics.payments],
} as const;

let system: SystemUnderTest;
let saga: SagaDriver;

beforeAll(async () => {
  system = new SystemUnderTest({ timeScale: 0.01, basePort: 3200 });
  await system.start();
  saga = await SagaDriver.connect();
});

afterAll(async () => {
  await saga?.close();
  await system?.stop();
});

async function allCaughtUp(): Promise<void> {
  await pollUntil(
    async () => {
      for (const [group, topics] of Object.entries(GROUPS)) {
        if ((await saga.client.lag(group, [...topics])) > 0) return false;
      }
      return true;
    },
    { timeoutMs: 30_000, intervalMs: 200, description: 'every consumer group to catch up' },
  );
}

describe('saga guarantees', () => {
  it('11. the same OrderRequested twice (and a re-request under a new eventId) makes one saga', async () => {
    const sku = uniqueSku('dupreq');
    await saga.setStock(sku, 5);
    const req = orderRequested({ sku, amount: 3_000 });
    await saga.place(req);
    await saga.place(req);
    await saga.place({ ...req, metadata: { ...req.metadata, eventId: randomUUID() }, amount: 9_999 });
    const order = await saga.waitForTerminal(req.metadata.orderId);
    await allCaughtUp();
    expect(order.status).toBe('shipped');
    expect(causalSequence(order.timeline).filter((t) => t === 'OrderCreated')).toHaveLength(1);
    expect(await saga.ledger(req.metadata.orderId)).toMatchObject({ authorized: 3_000, captured: 3_000 });
    expect(await saga.stock(sku)).toMatchObject({ available: 4 });
  });

  it('12. every event of finished sagas delivered again changes no ledger, stock or outcome', async () => {
    const sku = uniqueSku('redeliver');
    await saga.setStock(sku, 10);
    const soldOut = uniqueSku('redeliver-none');
    await saga.setStock(soldOut, 0);
    const inputs = [
      { sku },
      { sku, shippingAddress: address({ country: 'AQ' }) },
      { sku, paymentToken: 'tok_capture_fails' },
      { sku, paymentToken: 'tok_insufficient_funds' },
      { sku: soldOut },
    ];
    const reqs = await Promise.all(inputs.map((i) => saga.place(i)));
    const ids = reqs.map((r) => r.metadata.orderId);
    for (const id of ids) await saga.waitForTerminal(id);
    // Terminal is not the end of the timeline: a step's report on another topic (PaymentCaptured next to
    // ShipmentCreated) can reach the order after its terminal one. Once every group is caught up, nothing is left.
    await allCaughtUp();
    const before = [];
    for (const id of ids) {
      const o = (await saga.order(id))!;
      before.push({ status: o.status, seq: causalSequence(o.timeline), ledger: await saga.ledger(id) });
    }
    const stockBefore = await saga.stock(sku);
    const idSet = new Set(ids);
    const records = await saga.client.readAll(
      [Topics.orderRequests, Topics.orders, Topics.payments, Topics.inventory, Topics.shipping],
      (r) => r.key !== null && idSet.has(r.key),
    );
    const types = new Set(records.map((r) => r.headers['saga-event-type'] ?? 'OrderRequested'));
    expect(types.size).toBeGreaterThanOrEqual(15);
    await saga.client.publishRaw(
      records.map((r) => ({ topic: r.topic, key: r.key, value: r.bytes, headers: r.headers })),
    );
    await allCaughtUp();
    for (const [i, id] of ids.entries()) {
      const o = await saga.order(id);
      expect({ status: o!.status, seq: causalSequence(o!.timeline), ledger: await saga.ledger(id) }).toEqual(
        before[i],
      );
    }
    expect(await saga.stock(sku)).toEqual(stockBefore);
  });

  it('13. poison among good records is dead-lettered with its reason, and the next order completes', async () => {
    const key = `poison-${randomUUID()}`;
    await saga.client.publishRaw([
      { topic: Topics.orderRequests, key, value: Buffer.from('definitely not avro'), headers: {} },
      {
        topic: Topics.orderRequests,
        key,
        value: Buffer.from([0, 0x7f, 0xff, 0xff, 0x01, 2, 3]),
        headers: {},
      },
    ]);
    const sku = uniqueSku('after-poison');
    await saga.setStock(sku, 1);
    const next = await saga.place({ sku });
    expect((await saga.waitForTerminal(next.metadata.orderId)).status).toBe('shipped');
    const dead = await pollUntil(
      async () => {
        const rs = await saga.client.readAll([deadLetterTopic('order')], (r) => r.key === key);
        return rs.length === 2 ? rs : undefined;
      },
      { timeoutMs: 20_000, description: 'both poison records in the dead-letter topic' },
    );
    const codes = dead.map((r) => r.headers[DeadLetterHeaders.errorCode]).sort();
    expect(codes).toEqual(['UNKNOWN_SCHEMA_ID', 'WRONG_MAGIC_BYTE']);
    for (const r of dead) {
      expect(r.headers[DeadLetterHeaders.originalTopic]).toBe(Topics.orderRequests);
      expect(r.headers[DeadLetterHeaders.service]).toBe('order');
      expect(r.headers[DeadLetterHeaders.originalOffset]).toMatch(/^\d+$/);
      expect(r.headers[DeadLetterHeaders.errorMessage]).toBeTruthy();
    }
  });

  it('13b. a schema-valid event that breaks a domain rule is dead-lettered by the service that refuses it', async () => {
    const rogue = orderRequested({ sku: uniqueSku('rogue') });
    const orderId = rogue.metadata.orderId;
    await saga.client.publish([
      {
        type: 'OrderCreated',
        metadata: { ...rogue.metadata, eventId: randomUUID(), producer: 'rogue-producer' },
        order: {
          customerId: rogue.customerId,
          sku: rogue.sku,
          quantity: 1,
          amount: -500,
          currency: 'EUR',
          shippingAddress: rogue.shippingAddress,
        },
        paymentToken: 'tok_approve',
      },
    ]);
    const [dead] = await pollUntil(
      async () => {
        const rs = await saga.client.readAll([deadLetterTopic('payment')], (r) => r.key === orderId);
        return rs.length > 0 ? rs : undefined;
      },
      { timeoutMs: 20_000, description: 'the rogue OrderCreated in dlq.payment' },
    );
    expect(dead!.headers[DeadLetterHeaders.errorCode]).toBe('DOMAIN_RULE_VIOLATED');
    expect(dead!.headers[DeadLetterHeaders.errorMessage]).toContain('amount must be a positive integer');
    expect(await saga.ledger(orderId)).toBeUndefined();
  });

  it('14. two orders race for the last unit: exactly one ships, the other is cancelled and released', async () => {
    const sku = uniqueSku('lastone');
    await saga.setStock(sku, 1);
    const [a, b] = await Promise.all([saga.place({ sku }), saga.place({ sku })]);
    const outcomes = await Promise.all([a, b].map((r) => saga.waitForTerminal(r.metadata.orderId)));
    expect(outcomes.map((o) => o.status).sort()).toEqual(['cancelled', 'shipped']);
    const loser = outcomes.find((o) => o.status === 'cancelled')!;
    expect(causalSequence(loser.timeline)).toContain('PaymentAuthorizationReleased');
    expect(loser.failure).toMatchObject({ reason: 'OUT_OF_STOCK' });
    expect(await saga.stock(sku)).toMatchObject({ available: 0, reserved: 1 });
  });

  it('15a. a refund that fails 3 times then succeeds is retried and applied once', async () => {
    const sku = uniqueSku('refund3');
    await saga.setStock(sku, 2);
    const req = await saga.place({
      sku,
      amount: 2_500,
      paymentToken: 'tok_refund_fails_3',
      shippingAddress: address({ country: 'AQ' }),
    });
    const order = await saga.waitForTerminal(req.metadata.orderId);
    expect(order.status).toBe('cancelled');
    expect(order.timeline.find((t) => t.type === 'PaymentRefunded')?.attempt).toBe(4);
    expect(await saga.ledger(req.metadata.orderId)).toMatchObject({ captured: 2_500, refunded: 2_500 });
    expect(await saga.stock(sku)).toMatchObject({ available: 2, reserved: 0 });
  });

  it('15b. a refund that always fails parks the order as stuck; `saga order retry` completes it after recovery', async () => {
    const sku = uniqueSku('refund-outage');
    await saga.setStock(sku, 2);
    const req = await saga.place({
      sku,
      amount: 1_800,
      paymentToken: 'tok_refund_outage',
      shippingAddress: address({ country: 'AQ' }),
    });
    const orderId = req.metadata.orderId;
    const payments = new RetryStore(saga.redis, 'payment');
    const parked = await pollUntil(
      async () => (await payments.listParked()).find((i) => i.orderId === orderId),
      { timeoutMs: 60_000, intervalMs: 100, description: 'the refund to be parked' },
    );
    expect(parked.eventType).toBe('ShipmentFailed');
    expect(parked.lastError.code).toBe('GATEWAY_UNAVAILABLE');
    expect((await saga.order(orderId))!.status).toBe('pending');
    expect(await saga.ledger(orderId)).toMatchObject({ captured: 1_800, refunded: 0 });

    await saga.recoverGateway(orderId);
    const cli = spawnSync(process.execPath, ['packages/cli/bin/saga.js', 'order', 'retry', orderId], {
      encoding: 'utf8',
      env: process.env,
    });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain('payment: 1');
    const order = await saga.waitForTerminal(orderId);
    expect(order.status).toBe('cancelled');
    expect([...(order.compensations ?? [])].sort()).toEqual(['ITEM_RELEASED', 'PAYMENT_REFUNDED']);
    expect(await saga.ledger(orderId)).toMatchObject({ captured: 1_800, refunded: 1_800 });
    expect(await payments.listParked()).not.toContainEqual(expect.objectContaining({ orderId }));
  });
});
