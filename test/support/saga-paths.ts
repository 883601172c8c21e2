/**
 * Every path of the reference flow as test cases, for whichever deployment runs the services (four processes, or
 * saga-node): the test is a client that publishes `OrderRequested` and reads what happened.
 */
import { retentionSlackMs } from '@saga/messaging';
import { orderKey } from '@saga/order-service';
import { gatewayKey, paymentKey } from '@saga/payment-service';
import { reservationKey } from '@saga/inventory-service';
import { carrierKey, shipmentKey } from '@saga/shipping-service';
import { address, uniqueSku, type SagaDriver } from './saga-driver.js';
import { causalSequence } from './sequence.js';

export const HAPPY = [
  'OrderRequested',
  'OrderCreated',
  'PaymentAuthorized',
  'ItemReserved',
  'PaymentCaptured',
  'ShipmentCreated',
  'OrderShipped',
];

async function stockedSku(saga: () => SagaDriver, label: string, available = 10): Promise<string> {
  const sku = uniqueSku(label);
  await saga().setStock(sku, available);
  return sku;
}

async function run(saga: () => SagaDriver, input: Parameters<SagaDriver['place']>[0]) {
  const req = await saga().place(input);
  const order = await saga().waitForTerminal(req.metadata.orderId);
  return { req, order, sequence: causalSequence(order.timeline) };
}

export function describeSagaPaths(title: string, saga: () => SagaDriver): void {
  describe(title, () => {
    it('1. happy path: shipped, captured = amount, stock decremented', async () => {
      const sku = await stockedSku(saga, 'happy');
      const { req, order, sequence } = await run(saga, { sku, quantity: 2, amount: 5_000 });
      expect(order.status).toBe('shipped');
      expect(sequence).toEqual(HAPPY);
      expect(await saga().ledger(req.metadata.orderId)).toMatchObject({
        authorized: 5_000,
        captured: 5_000,
        refunded: 0,
        voided: 0,
      });
      expect(await saga().stock(sku)).toMatchObject({ available: 8 });
      // Every key of the saga expires with the services' retention (SAGA_RETENTION_S, 7 days by default); the
      // state store's keys (order, timeline, payment, shipment) up to its slack later (retentionSlackMs).
      const id = req.metadata.orderId;
      const retention = 7 * 24 * 3600_000;
      const storeKeys = [orderKey(id), `${orderKey(id)}:tl`, paymentKey(id), shipmentKey(id)];
      const otherKeys = [gatewayKey(id), reservationKey(sku, id), carrierKey(id)];
      const ttlOf = (k: string) => saga().redis.pttl(k);
      for (const k of storeKeys) {
        const ttl = await ttlOf(k);
        expect([k, ttl > retention && ttl <= retention + retentionSlackMs(retention)]).toEqual([k, true]);
      }
      for (const k of otherKeys) {
        const ttl = await ttlOf(k);
        expect([k, ttl > retention - 3600_000 && ttl <= retention]).toEqual([k, true]);
      }
    });

    it('2. insufficient funds: authorization failed, cancelled, nothing reserved', async () => {
      const sku = await stockedSku(saga, 'funds');
      const { req, order, sequence } = await run(saga, { sku, paymentToken: 'tok_insufficient_funds' });
      expect(sequence).toEqual([
        'OrderRequested',
        'OrderCreated',
        'PaymentAuthorizationFailed',
        'OrderCancelled',
      ]);
      expect(order.status).toBe('cancelled');
      expect(order.failure).toMatchObject({ step: 'AUTHORIZE_PAYMENT', reason: 'INSUFFICIENT_FUNDS' });
      expect(await saga().stock(sku)).toMatchObject({ available: 10, reserved: 0 });
      expect(await saga().ledger(req.metadata.orderId)).toMatchObject({ captured: 0 });
    });

    it('3. invalid card: same shape, its own reason', async () => {
      const sku = await stockedSku(saga, 'card');
      const { order, sequence } = await run(saga, { sku, paymentToken: 'tok_invalid_card' });
      expect(sequence).toEqual([
        'OrderRequested',
        'OrderCreated',
        'PaymentAuthorizationFailed',
        'OrderCancelled',
      ]);
      expect(order.failure).toMatchObject({ step: 'AUTHORIZE_PAYMENT', reason: 'INVALID_CARD' });
    });

    it('4. gateway unavailable twice, then approves: shipped after 3 attempts', async () => {
      const sku = await stockedSku(saga, 'flaky');
      const { order, sequence } = await run(saga, { sku, paymentToken: 'tok_unavailable_2' });
      expect(order.status).toBe('shipped');
      expect(sequence).toEqual(HAPPY);
      expect(order.timeline.find((t) => t.type === 'PaymentAuthorized')?.attempt).toBe(3);
    });

    it('5. gateway always unavailable: exactly 1 + 5 attempts, then cancelled', async () => {
      const sku = await stockedSku(saga, 'down');
      const { order, sequence } = await run(saga, { sku, paymentToken: 'tok_always_unavailable' });
      expect(sequence).toEqual([
        'OrderRequested',
        'OrderCreated',
        'PaymentAuthorizationFailed',
        'OrderCancelled',
      ]);
      expect(order.failure).toMatchObject({ step: 'AUTHORIZE_PAYMENT', reason: 'GATEWAY_UNAVAILABLE' });
      expect(order.timeline.find((t) => t.type === 'PaymentAuthorizationFailed')?.attempt).toBe(6);
      expect(await saga().stock(sku)).toMatchObject({ available: 10 });
    });

    it('5b. the gateway approved but its answers were lost: the hold is voided by the orderId, then cancelled', async () => {
      const sku = await stockedSku(saga, 'lost');
      const { order, sequence } = await run(saga, { sku, paymentToken: 'tok_lost_answer' });
      expect(sequence).toEqual([
        'OrderRequested',
        'OrderCreated',
        'PaymentAuthorizationFailed',
        'OrderCancelled',
      ]);
      expect(order.failure).toMatchObject({
        step: 'AUTHORIZE_PAYMENT',
        reason: 'GATEWAY_UNAVAILABLE',
        message: expect.stringContaining('was voided') as unknown,
      });
      expect(await saga().stock(sku)).toMatchObject({ available: 10 });
    });

    it('6. out of stock: reservation failed, authorization released, cancelled', async () => {
      const sku = await stockedSku(saga, 'soldout', 0);
      const { req, order, sequence } = await run(saga, { sku, amount: 1_234 });
      expect(sequence).toEqual([
        'OrderRequested',
        'OrderCreated',
        'PaymentAuthorized',
        'ItemReservationFailed',
        'PaymentAuthorizationReleased',
        'OrderCancelled',
      ]);
      expect(order.failure).toMatchObject({ step: 'RESERVE_ITEM', reason: 'OUT_OF_STOCK' });
      expect(order.compensations).toEqual(['AUTHORIZATION_RELEASED']);
      expect(await saga().ledger(req.metadata.orderId)).toMatchObject({
        authorized: 1_234,
        voided: 1_234,
        captured: 0,
      });
      expect(await saga().stock(sku)).toMatchObject({ available: 0, reserved: 0 });
    });

    it('7. unknown SKU: same chain, its own reason', async () => {
      const { order, sequence } = await run(saga, { sku: uniqueSku('nosuch') });
      expect(sequence).toEqual([
        'OrderRequested',
        'OrderCreated',
        'PaymentAuthorized',
        'ItemReservationFailed',
        'PaymentAuthorizationReleased',
        'OrderCancelled',
      ]);
      expect(order.failure).toMatchObject({ step: 'RESERVE_ITEM', reason: 'UNKNOWN_SKU' });
    });

    it('8. capture fails: item released, authorization voided, stock restored', async () => {
      const sku = await stockedSku(saga, 'capture');
      const { req, order, sequence } = await run(saga, {
        sku,
        quantity: 3,
        amount: 900,
        paymentToken: 'tok_capture_fails',
      });
      expect(sequence).toEqual([
        'OrderRequested',
        'OrderCreated',
        'PaymentAuthorized',
        'ItemReserved',
        'PaymentCaptureFailed',
        'ItemReleased',
        'OrderCancelled',
      ]);
      expect(order.failure).toMatchObject({ step: 'CAPTURE_PAYMENT', reason: 'CAPTURE_DECLINED' });
      expect([...(order.compensations ?? [])].sort()).toEqual(['AUTHORIZATION_VOIDED', 'ITEM_RELEASED']);
      expect(await saga().ledger(req.metadata.orderId)).toMatchObject({
        authorized: 900,
        captured: 0,
        voided: 900,
      });
      expect(await saga().stock(sku)).toMatchObject({ available: 10, reserved: 0 });
    });

    it('9. shipping fails: refunded = captured, item released, cancelled', async () => {
      const sku = await stockedSku(saga, 'ship');
      const { req, order, sequence } = await run(saga, {
        sku,
        amount: 7_700,
        shippingAddress: address({ country: 'AQ' }),
      });
      expect(sequence).toEqual([
        'OrderRequested',
        'OrderCreated',
        'PaymentAuthorized',
        'ItemReserved',
        'PaymentCaptured',
        'ShipmentFailed',
        'PaymentRefunded',
        'ItemReleased',
        'OrderCancelled',
      ]);
      expect(order.failure).toMatchObject({ step: 'SHIP_ORDER', reason: 'UNDELIVERABLE_DESTINATION' });
      expect([...(order.compensations ?? [])].sort()).toEqual(['ITEM_RELEASED', 'PAYMENT_REFUNDED']);
      expect(await saga().ledger(req.metadata.orderId)).toMatchObject({ captured: 7_700, refunded: 7_700 });
      expect(await saga().stock(sku)).toMatchObject({ available: 10, reserved: 0 });
    });

    it('10. invalid request: rejected with every reason, nothing else happens', async () => {
      const sku = await stockedSku(saga, 'invalid');
      const { req, order, sequence } = await run(saga, {
        sku,
        quantity: 0,
        amount: -5,
        currency: 'EURO',
        paymentToken: '',
      });
      expect(sequence).toEqual(['OrderRequested', 'OrderRejected']);
      expect(order.status).toBe('rejected');
      expect(order.errors?.map((e) => e.field).sort()).toEqual([
        'amount',
        'currency',
        'paymentToken',
        'quantity',
      ]);
      expect(await saga().ledger(req.metadata.orderId)).toBeUndefined();
      expect(await saga().stock(sku)).toMatchObject({ available: 10, reserved: 0 });
    });
  });
}
