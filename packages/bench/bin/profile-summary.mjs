#!/usr/bin/env node
// Usage: node packages/bench/bin/profile-summary.mjs <file.cpuprofile> [top N]
// Prints the top self-time functions and packages of a `node --cpu-prof` profile (see BENCHMARKS.md).
import { readFileSync } from 'node:fs';
import { summariseProfile } from '../dist/profile.js';

const [file, n] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile-summary.mjs <file.cpuprofile> [top N]');
  process.exit(2);
}
const s = summariseProfile(JSON.parse(readFileSync(file, 'utf8')), Number(n ?? 25));
console.log(`${file}: ${s.totalMs} ms profiled, ${s.busyMs} ms on CPU (not idle)`);
console.log('\nself time by package');
for (const p of s.packages)
  console.log(`${String(p.percent).padStart(6)} %  ${String(p.selfMs).padStart(7)} ms  ${p.name}`);
console.log('\nself time by function');
for (const f of s.functions)
  console.log(`${String(f.percent).padStart(6)} %  ${String(f.selfMs).padStart(7)} ms  ${f.name}`);
