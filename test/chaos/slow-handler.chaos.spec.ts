/**
 * Scenario 9: some authorizations take longer than the consumer's session timeout (10 s). The instance must keep
 * its membership while it waits (heartbeats during the batch), so the partition does not bounce between instances
 * that each time out on the same record (a livelock), and nothing is charged twice when it does move.
 */
import { SystemUnderTest } from '../support/system.js';
import { SagaDriver } from '../support/saga-driver.js';
import { CHAOS_TIMEOUT_MS, runScenario } from './support/scenario.js';
import { mixedOrder } from './support/load.js';

const SLOW_MS = 12_000;

let system: SystemUnderTest;
let saga: SagaDriver;

beforeAll(async () => {
  system = new SystemUnderTest({ timeScale: 0.01, basePort: 3780 });
  await system.start();
  await system.startService('payment');
  saga = await SagaDriver.connect();
});

afterAll(async () => {
  await saga?.close();
  await system?.stop();
});

describe('chaos: a handler slower than the session timeout', () => {
  it(
    `9. authorizations taking ${SLOW_MS / 1000} s (session 10 s) among normal load: no livelock, no double effect`,
    async () => {
      const slow: string[] = [];
      const r = await runScenario(saga, {
        name: `9 slow handler (tok_slow_${SLOW_MS}, 2 payment instances)`,
        orderFor: (i, ctx) => {
          const base = mixedOrder(ctx.runId, ctx.skus)(i);
          if (i % 50 !== 7) return base;
          slow.push(base.orderId!);
          return { ...base, paymentToken: `tok_slow_${SLOW_MS}` };
        },
        faultAt: 0,
        // The fault is in the data: the slow cards are part of the load. Nothing to inject or clear.
        fault: () => Promise.resolve(),
      });
      expect(slow.length).toBeGreaterThan(0);
      expect({ lost: r.lost, duplicateEffects: r.duplicateEffects, stuck: r.stuck }).toEqual({
        lost: 0,
        duplicateEffects: 0,
        stuck: 0,
      });
      expect(r.report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(r.terminal).toBe(r.requested);
      for (const id of slow) {
        const order = await saga.order(id);
        // Approved after the wait, exactly once, whatever path the rest of the order then took.
        expect(['shipped', 'cancelled']).toContain(order?.status);
        expect(order?.timeline.filter((t) => t.type === 'PaymentAuthorized' && !t.ignored)).toHaveLength(1);
      }
    },
    CHAOS_TIMEOUT_MS,
  );
});
