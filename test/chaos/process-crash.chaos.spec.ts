/**
 * Scenarios 1 and 2: services SIGKILLed under a steady load. A crash between a Redis commit and the publish, or
 * between the publish and the offset commit, must neither lose a saga nor do an effect twice.
 */
import { SERVICES, SystemUnderTest } from '../support/system.js';
import { SagaDriver } from '../support/saga-driver.js';
import { RATE, SHORT, runScenario, untilRequested, type ScenarioResult } from './support/scenario.js';
import { CHAOS_TIMEOUT_MS } from './support/scenario.js';

let system: SystemUnderTest;
let saga: SagaDriver;

beforeAll(async () => {
  system = new SystemUnderTest({ timeScale: 0.01, basePort: 3700 });
  await system.start();
  saga = await SagaDriver.connect();
});

afterAll(async () => {
  await saga?.close();
  await system?.stop();
});

const note = (line: string): void => void process.stdout.write(`[chaos] ${line}\n`);

function expectNothingLostOrDoubled(r: ScenarioResult): void {
  expect({ lost: r.lost, duplicateEffects: r.duplicateEffects }).toEqual({ lost: 0, duplicateEffects: 0 });
  expect(r.report.checks.filter((c) => !c.ok)).toEqual([]);
  expect(r.terminal + r.stuck).toBe(r.requested);
}

describe('chaos: service processes', () => {
  it(
    '1. each service SIGKILLed in turn mid-load and restarted',
    async () => {
      const r = await runScenario(saga, {
        name: '1 SIGKILL each service in turn',
        faultAt: 0.2,
        fault: async (ctx) => {
          // A SIGKILLed consumer holds its partitions until its consumer session times out: the replacement's join
          // waits for that. The full run waits for each restart before the next kill; the short run staggers the
          // kills by load progress and lets the four stalls overlap, to stay within the CI budget.
          const restarts: Promise<void>[] = [];
          for (const [i, name] of SERVICES.entries()) {
            if (SHORT)
              await untilRequested(ctx, Math.floor(ctx.load.requested.size + RATE * 0.5 * (i > 0 ? 1 : 0)));
            const victim = system.processes.find((p) => p.name === name)!;
            expect(await system.stopProcess(victim, 'SIGKILL')).toBeNull();
            const t0 = Date.now();
            const restarted = system
              .startService(name)
              .then(() => note(`${name} SIGKILLed and restarted: ready after ${Date.now() - t0} ms`));
            if (SHORT) restarts.push(restarted);
            else await restarted;
          }
          await Promise.all(restarts);
        },
      });
      expectNothingLostOrDoubled(r);
    },
    CHAOS_TIMEOUT_MS,
  );

  it(
    '2. payment scaled 1 → 3 under load, then two instances SIGKILLed while the third keeps running',
    async () => {
      const r = await runScenario(saga, {
        name: '2 scale payment 1→3→1 (two SIGKILLed)',
        faultAt: 0.2,
        fault: async () => {
          await system.startService('payment');
          await system.startService('payment');
          const payments = system.processes.filter((p) => p.name === 'payment');
          expect(payments).toHaveLength(3);
          // The two oldest die; the newest keeps running and must take over all partitions.
          await Promise.all(payments.slice(0, 2).map((p) => system.stopProcess(p, 'SIGKILL')));
        },
      });
      expectNothingLostOrDoubled(r);
      expect(system.processes.filter((p) => p.name === 'payment')).toHaveLength(1);
    },
    CHAOS_TIMEOUT_MS,
  );
});
