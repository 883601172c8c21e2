#!/usr/bin/env node
// `npm test`: build, lint, then every tier. The int and e2e tiers need the stack; jest's global setup starts it
// (`npx saga stack up` semantics) unless KAFKA_BROKERS points elsewhere, and stops only what it started.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const RESULTS = '.stack/jest-results.json';
mkdirSync('.stack', { recursive: true });
rmSync(RESULTS, { force: true });

const steps = [
  ['build', ['npx', 'turbo', 'run', 'build', '--output-logs=errors-only']],
  ['typecheck (tests included)', ['npx', 'tsc', '--noEmit', '-p', 'tsconfig.json']],
  ['lint', ['npx', 'eslint', '.', '--max-warnings=0']],
  [
    'unit + int + e2e tests',
    [
      'node',
      '--experimental-vm-modules',
      'node_modules/jest/bin/jest.js',
      '--runInBand',
      '--selectProjects',
      'unit',
      'int',
      'e2e',
      '--json',
      `--outputFile=${RESULTS}`,
      ...process.argv.slice(2),
    ],
  ],
];

for (const [name, [cmd, ...args]] of steps) {
  console.log(`\n▶ ${name}: ${[cmd, ...args].join(' ')}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`✖ ${name} failed (exit ${r.status ?? r.signal}) after ${secs} s`);
    printTotals();
    process.exit(r.status ?? 1);
  }
  console.log(`✔ ${name} (${secs} s)`);
}

printTotals();

/** The plain closing line CI reads: 'N passed, N failed, N skipped'. */
function printTotals() {
  if (!existsSync(RESULTS)) return;
  const r = JSON.parse(readFileSync(RESULTS, 'utf8'));
  console.log(`\n${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
}
