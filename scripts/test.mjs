#!/usr/bin/env node
// `npm test`: build, typecheck, lint, then every tier — unit, int, e2e, and the short chaos suite (faults under
// load, then the audit). The int/e2e/chaos tiers need the stack: jest's global setup starts it (`npx saga stack up`
// semantics) unless KAFKA_BROKERS points elsewhere, and stops only what it started.
// SAGA_SKIP_CHAOS=1 leaves the chaos suite out (it kills and restarts the stack's broker, Redis and registry).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

mkdirSync('.stack', { recursive: true });
const results = [];
const MINUTE = 60_000;
/**
 * Each step's limit. CI has 90 minutes for everything; a step that hangs (a leaked handle, a client spinning on a
 * dead connection) must end red with its name, not eat the budget. Typical times here: build 1 min, tests 5, chaos 4.
 */
const LIMIT_MS = { build: 15 * MINUTE, check: 10 * MINUTE, tests: 35 * MINUTE, chaos: 25 * MINUTE };

const jest = (name, projects, limitMs, env = {}) => {
  const file = `.stack/jest-results-${name}.json`;
  rmSync(file, { force: true });
  results.push(file);
  return [
    `${name} tests`,
    [
      'node',
      '--experimental-vm-modules',
      'node_modules/jest/bin/jest.js',
      '--runInBand',
      '--selectProjects',
      ...projects,
      // A failed test can leave a client retrying in the background; jest would then wait for it forever.
      '--forceExit',
      '--json',
      `--outputFile=${file}`,
      ...process.argv.slice(2),
    ],
    env,
    limitMs,
  ];
};

const steps = [
  ['build', ['npx', 'turbo', 'run', 'build', '--output-logs=errors-only'], {}, LIMIT_MS.build],
  ['typecheck (tests included)', ['npx', 'tsc', '--noEmit', '-p', 'tsconfig.json'], {}, LIMIT_MS.check],
  ['lint', ['npx', 'eslint', '.', '--max-warnings=0'], {}, LIMIT_MS.check],
  jest('unit + int + e2e', ['unit', 'int', 'e2e'], LIMIT_MS.tests),
  ...(process.env.SAGA_SKIP_CHAOS === '1'
    ? []
    : [jest('chaos (short)', ['chaos'], LIMIT_MS.chaos, { SAGA_CHAOS: 'short' })]),
];

for (const [name, [cmd, ...args], env, limitMs] of steps) {
  console.log(`\n▶ ${name}: ${[cmd, ...args].join(' ')}`);
  const started = Date.now();
  // SIGTERM lets jest's global teardown stop the stack it started; .ci/run's trap stops whatever is left.
  const r = spawnSync(cmd, args, {
    stdio: 'inherit',
    env: { ...process.env, ...env },
    timeout: limitMs,
    killSignal: 'SIGTERM',
  });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    const why =
      r.error?.code === 'ETIMEDOUT'
        ? `it ran over its ${limitMs / MINUTE}-minute limit`
        : `exit ${r.status ?? r.signal}`;
    console.error(`✖ ${name} failed (${why}) after ${secs} s`);
    printTotals();
    process.exit(r.status ?? 1);
  }
  console.log(`✔ ${name} (${secs} s)`);
}
printTotals();

/** The plain closing line CI reads: 'N passed, N failed, N skipped', summed over every jest run. */
function printTotals() {
  const t = { passed: 0, failed: 0, skipped: 0 };
  for (const file of results.filter(existsSync)) {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    t.passed += r.numPassedTests;
    t.failed += r.numFailedTests;
    t.skipped += r.numPendingTests;
  }
  console.log(`\n${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
}
