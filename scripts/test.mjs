#!/usr/bin/env node
// `npm test`: build, typecheck, lint, then every tier — unit, int, e2e, and the short chaos suite (faults under
// load, then the audit). The int/e2e/chaos tiers need the stack: jest's global setup starts it (`npx saga stack up`
// semantics) unless KAFKA_BROKERS points elsewhere, and stops only what it started.
// SAGA_SKIP_CHAOS=1 leaves the chaos suite out (it kills and restarts the stack's broker, Redis and registry).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

mkdirSync('.stack', { recursive: true });
const results = [];
const jest = (name, projects, env = {}) => {
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
      '--json',
      `--outputFile=${file}`,
      ...process.argv.slice(2),
    ],
    env,
  ];
};

const steps = [
  ['build', ['npx', 'turbo', 'run', 'build', '--output-logs=errors-only']],
  ['typecheck (tests included)', ['npx', 'tsc', '--noEmit', '-p', 'tsconfig.json']],
  ['lint', ['npx', 'eslint', '.', '--max-warnings=0']],
  jest('unit + int + e2e', ['unit', 'int', 'e2e']),
  ...(process.env.SAGA_SKIP_CHAOS === '1' ? [] : [jest('chaos (short)', ['chaos'], { SAGA_CHAOS: 'short' })]),
];

for (const [name, [cmd, ...args], env] of steps) {
  console.log(`\n▶ ${name}: ${[cmd, ...args].join(' ')}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`✖ ${name} failed (exit ${r.status ?? r.signal}) after ${secs} s`);
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
