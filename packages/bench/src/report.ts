import type { AuditResult } from './audit.js';
import type { BenchFigures, BenchReport, FindMaxReport, Machine } from './bench.js';
import { tableName, tableSize } from './redis-tables.js';

/** Human-readable summaries for stdout; the JSON file carries the same figures in full. */

function figuresLines(f: BenchFigures): string[] {
  const c = f.completed;
  const cpu = Object.entries(f.cpu)
    .map(([name, pct]) => `${name} ${pct}%`)
    .join(', ');
  return [
    `rate ${f.rate}/s for ${f.durationS} s: requested ${f.requested}, shipped ${c.shipped}, cancelled ${c.cancelled}, rejected ${c.rejected}, lost ${f.lost}${f.aborted ? ' (cut short: backlog)' : ''}`,
    `throughput ${f.throughputPerS} sagas/s, ${f.eventsPerS ?? '?'} events/s${f.lateSends > 0 ? `, ${f.lateSends} sends > 100 ms late (bench-side)` : ''}${f.missedByTail > 0 ? `, ${f.missedByTail} terminal events missed by the tail (settled from Redis, no latency)` : ''}`,
    `latency ms: p50 ${f.latencyMs.p50}  p90 ${f.latencyMs.p90}  p99 ${f.latencyMs.p99}  p99.9 ${f.latencyMs.p999}  max ${f.latencyMs.max}`,
    `cpu (% of one core): ${cpu || 'n/a'}`,
    ...doublingLines(f),
    ...Object.entries(f.rounds).map(
      ([name, r]) =>
        `rounds ${name}: ${r.fetchesPerS} fetches/s (${r.fetchMs} ms each), ${r.batchesPerS} batches/s × ${r.recordsPerBatch} records; per batch process ${r.processMs} ms, send ${r.sendMs} ms`,
    ),
  ];
}

/** One line naming the Redis table doublings of the run and when they came (progress seconds). */
function doublingLines(f: BenchFigures): string[] {
  const d = f.redisTableDoublings;
  if (d.length === 0) return [];
  const list = d.map((x) => `${tableName(x.table)} at ${tableSize(x.size)} (${x.atS} s)`);
  return [
    `redis tables doubled (warm-up included; a few seconds of costlier commands each): ${list.join(', ')}`,
  ];
}

function auditLines(a: AuditResult): string[] {
  const head = a.ok
    ? `audit OK: ${a.checked} orders (money per outcome), stock conserved (available ${a.stock.available} + reserved ${a.stock.reserved} = ${a.stock.initial}, reserved = ${a.stock.shippedOnSku} shipped)`
    : `audit FAILED: ${a.problemCount} problem(s) in ${a.checked} orders`;
  const unfinished = a.unfinished > 0 ? [`  ${a.unfinished} orders had not ended: not audited`] : [];
  return [head, ...unfinished, ...a.problems.map((p) => `  - ${p}`)];
}

function machineLine(m: Machine): string {
  return `machine: ${m.cores} cores ${m.model}, node ${m.node}, kafka ${m.kafka ?? '?'}, store ${m.redis ?? '?'}, load average ${m.loadAvg1m}`;
}

export function formatReport(r: BenchReport): string {
  return [
    machineLine(r.machine),
    `run ${r.runId}, mix ${r.mix}, warm-up ${r.warmupS} s${r.startedByBench.length ? `, started by bench: ${r.startedByBench.join(', ')}` : ''}`,
    ...figuresLines(r),
    ...auditLines(r.audit),
  ].join('\n');
}

export function formatFindMax(r: FindMaxReport): string {
  const rows = r.steps.map(
    (s) =>
      `  ${String(s.rate).padStart(5)}/s  p99 ${String(s.latencyMs.p99).padStart(8)} ms  throughput ${s.throughputPerS}/s  lost ${s.lost}  ${s.sustainable ? 'ok' : `NOT sustainable: ${s.reason ?? ''}`}`,
  );
  return [
    machineLine(r.machine),
    `warm-up ${r.warmupS} s before the first step${r.startedByBench.length ? `, started by bench: ${r.startedByBench.join(', ')}` : ''}`,
    ...rows,
    `highest sustainable rate (p99 ≤ ${r.p99LimitMs} ms): ${r.maxSustainableRate ?? 'none'} sagas/s`,
    `highest rate kept up with (any p99): ${r.maxThroughputRate ?? 'none'} sagas/s (stopped at ${r.stopReason})`,
    ...auditLines(r.audit),
  ].join('\n');
}
