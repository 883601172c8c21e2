/**
 * Crashes and scale-out: a service SIGKILLed mid-flight loses nothing and does nothing twice, a retry waiting in
 * the durable schedule survives the restart, and several instances of a service share partitions safely.
 */
import { pollUntil } from '@saga/testkit';
import { RetryStore } from '@saga/messaging';
import { gatewayKey } from '@saga/payment-service';
import { SystemUnderTest } from '../support/system.js';
import { SagaDriver, uniqueSku } from '../support/saga-driver.js';
import { causalSequence } from '../support/sequence.js';

let system: SystemUnderTest;
let saga: SagaDriver;

beforeAll(async () => {
  system = new SystemUnderTest({ timeScale: 0.01, basePort: 3300 });
  await system.start();
  saga = await SagaDriver.connect();
});

afterAll(async () => {
  await saga?.close();
  await system?.stop();
});

async function expectAllShippedOnce(orderIds: string[], amount: number): Promise<void> {
  for (const id of orderIds) {
    const o = await saga.waitForTerminal(id, 60_000);
    expect(o.status).toBe('shipped');
    expect(causalSequence(o.timeline).filter((t) => t === 'PaymentCaptured')).toHaveLength(1);
    expect(await saga.ledger(id)).toMatchObject({
      authorized: amount,
      captured: amount,
      refunded: 0,
      voided: 0,
    });
  }
}

describe('crashes and scale-out', () => {
  it('16. payment SIGKILLed mid-flight: no saga lost, no double charge, the pending retry survives the restart', async () => {
    const sku = uniqueSku('crash');
    await saga.setStock(sku, 50);
    const flaky = await saga.place({ sku, amount: 1_000, paymentToken: 'tok_unavailable_5' });
    const payments = new RetryStore(saga.redis, 'payment');
    await pollUntil(async () => (await payments.pendingFor(flaky.metadata.orderId)).length > 0, {
      description: 'a durable retry of the flaky authorization',
    });
    const burst = await Promise.all(Array.from({ length: 20 }, () => saga.place({ sku, amount: 1_000 })));
    const victim = system.processes.find((p) => p.name === 'payment')!;
    expect(await system.stopProcess(victim, 'SIGKILL')).toBeNull();
    await system.startService('payment');

    await expectAllShippedOnce(
      [flaky, ...burst].map((r) => r.metadata.orderId),
      1_000,
    );
    const flakyId = flaky.metadata.orderId;
    // The gateway answered its sixth call, once: five times unavailable, then approved (an answered call is not
    // counted again).
    expect(await saga.redis.hget(gatewayKey(flakyId), 'attempts:authorize')).toBe('6');
    // The retry schedule survived the kill: the attempts went on from where they were (a schedule lost with the
    // process would start again at 1 and succeed at a low attempt). A kill between a gateway call and the writing
    // of its retry runs that attempt again when the lease expires — at-least-once, harmless because the gateway is
    // idempotent per order — so the saga may count one attempt fewer than the gateway did (CI, session 10: 5).
    const flakyOrder = await saga.order(flakyId);
    const attempt = flakyOrder!.timeline.find((t) => t.type === 'PaymentAuthorized')?.attempt;
    expect(attempt).toBeGreaterThanOrEqual(5);
    expect(attempt).toBeLessThanOrEqual(6);
    expect(await saga.stock(sku)).toMatchObject({ available: 50 - 21, reserved: 21 });
  });

  it('17. three instances of payment, inventory and shipping share partitions with no double effect', async () => {
    for (const name of ['payment', 'inventory', 'shipping'] as const) {
      await system.startService(name);
      await system.startService(name);
    }
    const sku = uniqueSku('scale');
    await saga.setStock(sku, 40);
    const reqs = await Promise.all(Array.from({ length: 40 }, () => saga.place({ sku, amount: 2_000 })));
    await expectAllShippedOnce(
      reqs.map((r) => r.metadata.orderId),
      2_000,
    );
    expect(await saga.stock(sku)).toMatchObject({ available: 0, reserved: 40 });
  });
});
