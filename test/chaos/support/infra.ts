/** Faults of the local stack's parts, shared by the chaos specs of both deployments. */
import { expect } from '@jest/globals';
import { pollUntil } from '@saga/testkit';
import { stackStatus, stackUp, type PartName } from '@saga/stack';
import type { SagaDriver } from '../../support/saga-driver.js';
import type { SystemUnderTest } from '../../support/system.js';
import { runScenario, type ScenarioResult } from './scenario.js';

const note = (line: string): void => void process.stdout.write(`[chaos] ${line}\n`);

/** Killing a part needs the local stack's pid; an external stack (compose, managed) is not ours to kill. */
export async function managedByStack(part: PartName): Promise<boolean> {
  const status = (await stackStatus()).parts.find((p) => p.part === part);
  if (status?.managedBy === 'stack' && status.pid) return true;
  note(`${part} is not run by the local stack here (${status?.managedBy ?? 'unknown'}): scenario skipped`);
  return false;
}

/** SIGKILL one part of the local stack (its pid from the stack's state), then start it again the way a user would. */
export async function crashAndRestart(system: SystemUnderTest, part: PartName): Promise<void> {
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

export function expectNothingLostOrDoubled(r: ScenarioResult): void {
  expect({ lost: r.lost, duplicateEffects: r.duplicateEffects }).toEqual({ lost: 0, duplicateEffects: 0 });
  expect(r.report.checks.filter((c) => !c.ok)).toEqual([]);
  expect(r.terminal + r.stuck).toBe(r.requested);
}

/**
 * One infrastructure scenario: `part` SIGKILLed mid-load and restarted; nothing lost or done twice, the audit clean.
 * Skipped (with a note) when the part is not the local stack's to kill.
 */
export async function crashScenario(
  system: SystemUnderTest,
  saga: SagaDriver,
  name: string,
  part: PartName,
): Promise<void> {
  if (!(await managedByStack(part))) return;
  expectNothingLostOrDoubled(await runScenario(saga, { name, fault: () => crashAndRestart(system, part) }));
}
