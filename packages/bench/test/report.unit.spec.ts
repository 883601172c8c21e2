import { describe, expect, it } from '@jest/globals';
import type { BenchReport } from '../src/bench.js';
import { formatReport } from '../src/report.js';

// A 1,000/s run's report as the bench wrote it (session 13), its rounds left out.
const run: BenchReport = {
  rate: 1000,
  durationS: 60,
  requested: 60000,
  completed: {
    shipped: 48000,
    cancelled: 12000,
    rejected: 0,
  },
  lost: 0,
  throughputPerS: 999.2,
  latencyMs: {
    p50: 70.3,
    p90: 116.8,
    p99: 187.6,
    p999: 226.4,
    max: 290.6,
  },
  eventsPerS: 6727,
  cpu: {
    'saga-node': 50.7,
    'saga-node-2': 50.8,
    kafka: 32,
    registry: 0.9,
    redis: 26.2,
    bench: 19,
  },
  rounds: {},
  machine: {
    cores: 2,
    model: 'Intel(R) Xeon(R) Processor',
    node: 'v24.21.0',
    kafka: '4.1.1',
    redis: 'redis 7.0.15',
    loadAvg1m: 1.82,
  },
  aborted: false,
  lateSends: 0,
  missedByTail: 0,
  redisTableDoublings: [
    {
      atS: 29,
      table: 'keys',
      size: 131072,
    },
    {
      atS: 29,
      table: 'expires',
      size: 131072,
    },
    {
      atS: 49,
      table: 'keys',
      size: 262144,
    },
    {
      atS: 49,
      table: 'expires',
      size: 262144,
    },
  ],
  runId: 'mwyoybjqddf950',
  mix: 'happy=80,declined=10,out-of-stock=5,ship-fails=5',
  warmupS: 20,
  startedByBench: ['kafka', 'registry', 'redis', 'saga-node', 'saga-node-2'],
  audit: {
    ok: true,
    checked: 71001,
    unfinished: 0,
    stock: {
      initial: 100000000,
      available: 99943199,
      reserved: 56801,
      shippedOnSku: 56801,
    },
    problems: [],
    problemCount: 0,
  },
};

describe('formatReport', () => {
  it('names the Redis table doublings of the run in one line, with the second each came', () => {
    const lines = formatReport(run).split('\n');
    expect(lines).toContain(
      'redis tables doubled (warm-up included; a few seconds of costlier commands each): ' +
        'key table at 131,072 (29 s), expiry table at 131,072 (29 s), key table at 262,144 (49 s), expiry table at 262,144 (49 s)',
    );
    expect(lines).toContain('latency ms: p50 70.3  p90 116.8  p99 187.6  p99.9 226.4  max 290.6');
  });

  it('names the store server beside the machine, "?" when a report has none', () => {
    expect(formatReport(run).split('\n')[0]).toBe(
      'machine: 2 cores Intel(R) Xeon(R) Processor, node v24.21.0, kafka 4.1.1, store redis 7.0.15, load average 1.82',
    );
    expect(formatReport({ ...run, machine: { ...run.machine, redis: null } })).toMatch(
      /kafka 4\.1\.1, store \?,/,
    );
  });

  it('has no such line for a run without doublings', () => {
    expect(formatReport({ ...run, redisTableDoublings: [] })).not.toMatch(/redis tables doubled/);
  });
});
