import { audit } from './audit.js';
import {
  backwardsProblems,
  effectProblems,
  moneyProblems,
  reservationProblems,
  shipmentProblems,
  skuProblems,
  standingOf,
} from './checks.js';
import { AT, AMOUNT, SKU, cancelledOrder, entry, pendingOrder, shippedOrder } from './fixtures.spec.js';
import { formatAudit } from './format.js';

const GRACE = 10_000;

describe('standing: terminal, stuck, in flight or lost', () => {
  it('terminal orders are terminal whatever their retries', () => {
    expect(standingOf(shippedOrder(), AT, GRACE)).toBe('terminal');
    expect(standingOf({ ...cancelledOrder(), parkedRetries: 1 }, AT, GRACE)).toBe('terminal');
  });
  it('a pending order with a parked retry is stuck (visible), with a pending one in flight', () => {
    expect(standingOf({ ...pendingOrder(), parkedRetries: 1 }, AT + 1e9, GRACE)).toBe('stuck');
    expect(standingOf({ ...pendingOrder(), pendingRetries: 2 }, AT + 1e9, GRACE)).toBe('in-flight');
  });
  it('a quiet pending order is in flight within the grace period and lost after it', () => {
    expect(standingOf(pendingOrder(), AT, GRACE)).toBe('in-flight');
    expect(standingOf(pendingOrder(), AT + GRACE * 2, GRACE)).toBe('lost');
  });
  it('a requested order the order service never recorded is lost', () => {
    expect(standingOf({ orderId: 'x', pendingRetries: 0, parkedRetries: 0 }, AT, GRACE)).toBe('lost');
  });
});

describe('money: captured − refunded = amount if shipped, 0 otherwise', () => {
  it('holds for consistent shipped and cancelled orders, and is not judged while pending', () => {
    expect(moneyProblems(shippedOrder())).toEqual([]);
    expect(moneyProblems(cancelledOrder())).toEqual([]);
    expect(moneyProblems(pendingOrder())).toEqual([]);
  });
  it('a shipped order that was never captured, or a cancelled one never refunded, fails', () => {
    const shipped = shippedOrder();
    shipped.payment!.ledger.captured = 0;
    expect(moneyProblems(shipped)).toEqual([expect.stringContaining('expected 4200')]);
    const cancelled = cancelledOrder();
    cancelled.payment!.ledger.refunded = 0;
    expect(moneyProblems(cancelled)).toEqual([expect.stringContaining('= 4200, expected 0')]);
  });
});

describe('shipment matches the outcome', () => {
  it('nothing shipped for a cancelled order; a shipped order has its shipment', () => {
    expect(shipmentProblems(cancelledOrder())).toEqual([]);
    const cancelled = { ...cancelledOrder(), shipment: shippedOrder().shipment };
    expect(shipmentProblems(cancelled)).toEqual([expect.stringContaining('cancelled but shipment shp')]);
    expect(shipmentProblems({ ...shippedOrder(), shipment: undefined })).toHaveLength(1);
  });
});

describe('effects at most once', () => {
  it('consistent orders have none', () => {
    expect(effectProblems(shippedOrder())).toEqual([]);
    expect(effectProblems(cancelledOrder())).toEqual([]);
  });
  it('the ledger never shows more captured than the amount, nor more refunded than captured', () => {
    const twice = shippedOrder();
    twice.payment!.ledger.captured = 2 * AMOUNT;
    expect(effectProblems(twice)).toEqual([expect.stringContaining('captured 8400 > amount 4200')]);
    const over = cancelledOrder();
    over.payment!.ledger.refunded = AMOUNT + 1;
    expect(effectProblems(over)).toEqual([expect.stringContaining('refunded 4201 > captured 4200')]);
  });
  it('a repeated eventId, a second capture under a new eventId or two terminal events are duplicates', () => {
    const o = shippedOrder();
    o.order!.timeline.push({ ...o.order!.timeline[4]! });
    expect(effectProblems(o)).toEqual([expect.stringContaining('repeats eventId')]);
    const capturedTwice = shippedOrder();
    capturedTwice.order!.timeline.push(entry('PaymentCaptured', { ignored: 'order already shipped' }));
    expect(effectProblems(capturedTwice)).toEqual([expect.stringContaining('2 × PaymentCaptured')]);
    const endedTwice = shippedOrder();
    endedTwice.order!.timeline.push(entry('OrderShipped'));
    expect(effectProblems(endedTwice)).toEqual([expect.stringContaining('2 × OrderShipped')]);
  });
});

describe('no order moved backwards', () => {
  it('late informational reports and ignored entries after the end are fine', () => {
    const o = cancelledOrder();
    o.order!.timeline.push(
      entry('PaymentCaptureFailed'),
      entry('ItemReleased', { ignored: 'order already cancelled' }),
    );
    expect(backwardsProblems(o)).toEqual([]);
  });
  it('a decision after the end, or a state that disagrees with the first terminal event, fails', () => {
    const acted = shippedOrder();
    acted.order!.timeline.push(entry('ItemReleased'));
    expect(backwardsProblems(acted)).toEqual([expect.stringContaining('ItemReleased')]);
    const flipped = shippedOrder();
    flipped.order!.timeline.push(entry('OrderCancelled'));
    flipped.order!.state = { ...cancelledOrder().order!.state, orderId: flipped.orderId };
    expect(backwardsProblems(flipped)).toEqual([
      expect.stringContaining('ended with OrderShipped but the state is cancelled'),
      expect.stringContaining('OrderCancelled'),
    ]);
  });
  it('a terminal state without a terminal event on the timeline fails', () => {
    const o = shippedOrder();
    o.order!.timeline = o.order!.timeline.slice(0, 3);
    expect(backwardsProblems(o)).toHaveLength(1);
  });
});

describe('stock', () => {
  it('no live reservation on a cancelled order', () => {
    expect(reservationProblems(cancelledOrder())).toEqual([]);
    const held = { ...cancelledOrder(), reservation: shippedOrder().reservation };
    expect(reservationProblems(held)).toEqual([expect.stringContaining('still reserved')]);
  });
  it('never negative; with a known initial count it is conserved and matches the live reservations', () => {
    const orders = [shippedOrder('a'), shippedOrder('b'), cancelledOrder('c')];
    expect(skuProblems({ sku: SKU, level: { available: 8, reserved: 2 }, initial: 10 }, orders)).toEqual([]);
    expect(skuProblems({ sku: SKU, level: { available: 8, reserved: 2 } }, [])).toEqual([]);
    expect(skuProblems({ sku: SKU, level: { available: -1, reserved: 2 } }, orders)).toEqual([
      expect.stringContaining('available -1 < 0'),
    ]);
    expect(skuProblems({ sku: SKU, level: { available: 7, reserved: 2 }, initial: 10 }, orders)).toEqual([
      expect.stringContaining('≠ initial 10'),
    ]);
    expect(skuProblems({ sku: SKU, level: { available: 7, reserved: 3 }, initial: 10 }, orders)).toEqual([
      expect.stringContaining('reserved 3 ≠ live reservations 2'),
    ]);
  });
});

describe('audit: figures and verdict', () => {
  it('a clean set of orders passes every check, with figures per standing', () => {
    const orders = [shippedOrder('a'), cancelledOrder('b'), { ...pendingOrder('c'), parkedRetries: 1 }];
    const report = audit({
      now: AT,
      graceMs: GRACE,
      orders,
      // a (shipped) and c (in flight) hold their reservations; b released its own.
      skus: [{ sku: SKU, level: { available: 8, reserved: 2 }, initial: 10 }],
    });
    expect(report.ok).toBe(true);
    expect(report.figures).toMatchObject({
      orders: 3,
      terminal: 2,
      shipped: 1,
      cancelled: 1,
      stuck: 1,
      lost: 0,
    });
    expect(formatAudit(report)).toContain('audit: clean');
  });
  it('a lost order and a double capture fail the audit and are counted', () => {
    const twice = shippedOrder('a');
    twice.payment!.ledger.captured = 2 * AMOUNT;
    const report = audit({ now: AT + 1e9, graceMs: GRACE, orders: [twice, pendingOrder('p')], skus: [] });
    expect(report.ok).toBe(false);
    expect(report.figures).toMatchObject({ lost: 1, duplicateEffects: 1 });
    const failed = report.checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failed).toEqual(['no-order-lost', 'money-adds-up', 'effects-at-most-once']);
    expect(formatAudit(report)).toContain('FAIL');
  });
});
