/**
 * Scenario 8: the payment gateway cannot refund for a while. The compensations must wait (retried, then parked:
 * stuck and visible), never be dropped or skipped, and all complete once the gateway recovers — some through
 * `saga order retry` (RetryStore.retryNow), the rest on the slow schedule of parked retries by themselves.
 */
import { pollUntil } from '@saga/testkit';
import { collectRetries } from '@saga/audit';
import { RetryStore } from '@saga/messaging';
import { SystemUnderTest } from '../support/system.js';
import { address, SagaDriver } from '../support/saga-driver.js';
import { CHAOS_TIMEOUT_MS, runScenario } from './support/scenario.js';
import { mixedOrder } from './support/load.js';

let system: SystemUnderTest;
let saga: SagaDriver;
const note = (line: string): void => void process.stdout.write(`[chaos] ${line}\n`);

beforeAll(async () => {
  system = new SystemUnderTest({ timeScale: 0.01, basePort: 3760 });
  await system.start();
  saga = await SagaDriver.connect();
});

afterAll(async () => {
  await saga?.close();
  await system?.stop();
});

describe('chaos: a refund outage', () => {
  it(
    '8. refunds failing for a while: compensations wait (parked), nothing dropped, all complete after recovery',
    async () => {
      const outage: string[] = [];
      let stuckDuringOutage = 0;
      const r = await runScenario(saga, {
        name: '8 refund outage (tok_refund_outage + tok_refund_fails_2)',
        orderFor: (i, ctx) => {
          const base = mixedOrder(ctx.runId, ctx.skus)(i);
          const slot = i % 20;
          // 10 % ship to an undeliverable address, so their payment must be refunded: 3 in 4 of them while the
          // gateway's refunds are down until recovered, 1 in 4 failing twice and then recovering on its own.
          if (slot !== 5 && slot !== 17 && slot !== 9) return base;
          const token = slot === 17 ? 'tok_refund_fails_2' : 'tok_refund_outage';
          if (token === 'tok_refund_outage') outage.push(base.orderId!);
          return { ...base, paymentToken: token, shippingAddress: address({ country: 'AQ' }) };
        },
        faultAt: 1,
        recoveryFrom: 'cleared',
        exemptParked: false,
        fault: async (ctx) => {
          await ctx.load.done;
          // The outage: every refund-less order retries its refund and is parked, visibly stuck, not cancelled.
          await pollUntil(
            async () => {
              const { parked } = await collectRetries(saga.redis);
              stuckDuringOutage = outage.filter((id) => parked.has(id)).length;
              return stuckDuringOutage === outage.length;
            },
            { timeoutMs: 90_000, intervalMs: 250, description: 'every refund of the outage to be parked' },
          );
          for (const id of outage) expect((await saga.order(id))?.status).toBe('pending');
          // Recovery: the gateway refunds again; half are retried by hand, the rest wait for the slow schedule.
          for (const id of outage) await saga.recoverGateway(id);
          const payments = new RetryStore(saga.redis, 'payment');
          for (const id of outage.filter((_, i) => i % 2 === 0)) await payments.retryNow(id);
          note(
            `${stuckDuringOutage} refunds parked during the outage; gateway recovered, half retried by hand`,
          );
        },
      });
      expect(stuckDuringOutage).toBe(outage.length);
      expect(outage.length).toBeGreaterThan(0);
      expect({ lost: r.lost, duplicateEffects: r.duplicateEffects, stuck: r.stuck }).toEqual({
        lost: 0,
        duplicateEffects: 0,
        stuck: 0,
      });
      expect(r.report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(r.terminal).toBe(r.requested);
      for (const id of outage) {
        expect(await saga.order(id)).toMatchObject({
          status: 'cancelled',
          compensations: expect.arrayContaining(['PAYMENT_REFUNDED']),
        });
      }
    },
    CHAOS_TIMEOUT_MS,
  );
});
