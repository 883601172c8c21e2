/**
 * Scenarios 3, 4 and 5: the broker, Redis and the schema registry SIGKILLed under load and restarted through the stack (`saga stack up
 * <part>`). Services must reconnect by themselves; Redis comes back from its append-only file.
 */
import { pollUntil } from '@saga/testkit';
import { stackStatus, stackUp, type PartName } from '@saga/stack';
import { SystemUnderTest } from '../support/system.js';
import { SagaDriver } from '../support/saga-driver.js';
import { runScenario, type ScenarioResult } from './support/scenario.js';
import { CHAOS_TIMEOUT_MS } from './support/scenario.js';

let system: SystemUnderTest;
let saga: SagaDriver;

const note = (line: string): void => void process.stdout.write(`[chaos] ${line}\n`);

beforeAll(async () => {
  system = new SystemUnderTest({ timeScale: 0.01, basePort: 3720 });
  await system.start();
  saga = await SagaDriver.connect();
});

afterAll(async () => {
  await saga?.close();
  await system?.stop();
});

/** Killing a part needs the local stack's pid; an external stack (compose, managed) is not ours to kill. */
async function managedByStack(part: PartName): Promise<boolean> {
  const status = (await stackStatus()).parts.find((p) => p.part === part);
  if (status?.managedBy === 'stack' && status.pid) return true;
  note(`${part} is not run by the local stack here (${status?.managedBy ?? 'unknown'}): scenario skipped`);
  return false;
}

/** SIGKILL one part of the local stack (its pid from the stack's state), then start it again the way a user would. */
async function crashAndRestart(part: PartName): Promise<void> {
  const before = (await stackStatus()).parts.find((p) => p.part === part);
  if (!before?.pid || before.managedBy !== 'stack') throw new Error(`${part} is not run by the local stack`);
  const t0 = Date.now();
  process.kill(before.pid, 'SIGKILL');
  await pollUntil(async () => !(await stackStatus()).parts.find((p) => p.part === part)?.running, {
    timeoutMs: 30_000,
    description: `${part} (pid ${before.pid}) to be gone`,
  });
  await stackUp({ parts: [part] });
  // The registry stores its schemas in Kafka: bring back whatever the crash took down with it.
  if (!(await stackStatus()).healthy) await stackUp();
  note(`${part} SIGKILLed (pid ${before.pid}) and restarted in ${Date.now() - t0} ms`);
  await pollUntil(
    async () => {
      const ready = await Promise.all(
        system.processes.map((p) =>
          fetch(`${p.url}/health/ready`).then(
            (r) => r.status === 200,
            () => false,
          ),
        ),
      );
      return ready.every(Boolean);
    },
    { timeoutMs: 90_000, intervalMs: 250, description: 'every service ready again after the restart' },
  );
  note(`every service ready again ${Date.now() - t0} ms after the kill`);
}

function expectNothingLostOrDoubled(r: ScenarioResult): void {
  expect({ lost: r.lost, duplicateEffects: r.duplicateEffects }).toEqual({ lost: 0, duplicateEffects: 0 });
  expect(r.report.checks.filter((c) => !c.ok)).toEqual([]);
  expect(r.terminal + r.stuck).toBe(r.requested);
}

describe('chaos: infrastructure', () => {
  it(
    '3. the Kafka broker SIGKILLed mid-load and restarted: services reconnect, nothing lost',
    async () => {
      if (!(await managedByStack('kafka'))) return;
      const r = await runScenario(saga, {
        name: '3 SIGKILL the Kafka broker',
        fault: () => crashAndRestart('kafka'),
      });
      expectNothingLostOrDoubled(r);
    },
    CHAOS_TIMEOUT_MS,
  );

  it(
    '4. Redis SIGKILLed mid-load and restarted from its AOF: state survives, nothing lost',
    async () => {
      if (!(await managedByStack('redis'))) return;
      const r = await runScenario(saga, {
        name: '4 SIGKILL Redis (AOF everysec)',
        fault: () => crashAndRestart('redis'),
      });
      expectNothingLostOrDoubled(r);
    },
    CHAOS_TIMEOUT_MS,
  );

  it(
    '5. the schema registry SIGKILLed mid-load and restarted: serdes cope (cached ids), nothing lost',
    async () => {
      if (!(await managedByStack('registry'))) return;
      const r = await runScenario(saga, {
        name: '5 SIGKILL the schema registry',
        fault: () => crashAndRestart('registry'),
      });
      expectNothingLostOrDoubled(r);
    },
    CHAOS_TIMEOUT_MS,
  );
});
