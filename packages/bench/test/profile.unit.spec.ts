import { describe, expect, it } from '@jest/globals';
import { packageOf, summariseProfile, type CpuProfile } from '../src/profile.js';
import { cpuPercent, parseStatTicks } from '../src/cpu.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

describe('cpu profile summary', () => {
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 10_000,
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('send', 'file:///w/node_modules/kafkajs/src/network/connection.js', 378) },
      { id: 4, callFrame: frame('commit', 'file:///w/packages/messaging/dist/state-store.js', 35) },
      { id: 5, callFrame: frame('(garbage collector)') },
    ],
    // Each delta is the time *before* its sample: sample i stands for deltas[i + 1].
    samples: [2, 3, 3, 4, 5, 2],
    timeDeltas: [0, 1_000, 3_000, 1_000, 2_000, 500],
  };

  it('attributes self time per function and per package, idle left out', () => {
    const s = summariseProfile(profile);
    expect(s.totalMs).toBe(10);
    expect(s.busyMs).toBe(7); // 6.5 ms, whole ms
    expect(s.functions[0]).toEqual({
      name: 'send kafkajs/src/network/connection.js:379',
      selfMs: 4,
      percent: 61.5,
    });
    expect(s.packages.map((p) => p.name)).toEqual(['kafkajs', 'packages/messaging', '(garbage collector)']);
  });

  it('names packages', () => {
    expect(packageOf('file:///w/node_modules/@opentelemetry/api/build/x.js', 'f')).toBe('@opentelemetry/api');
    expect(packageOf('node:internal/buffer', 'FastBuffer')).toBe('node (internals)');
    expect(packageOf('file:///w/services/order/dist/handler.js', 'handle')).toBe('services/order');
    expect(packageOf('', 'writeBuffer')).toBe('(native)');
  });
});

describe('cpu sampling', () => {
  it('reads utime + stime even when the command name has spaces and parentheses', () => {
    const stat = '4242 (node (main) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 1234 567 0 0 20 0 11 0 99 0 0';
    expect(parseStatTicks(stat)).toBe(1234 + 567);
  });

  it('gives percent of one core over the window', () => {
    const from = { at: 0, ticks: new Map([['order', 100]]) };
    const to = {
      at: 2_000,
      ticks: new Map([
        ['order', 200],
        ['gone-before', 5],
      ]),
    };
    // 100 ticks at USER_HZ 100 = 1 s of CPU in 2 s.
    expect(cpuPercent(from, to)).toEqual({ order: 50 });
  });
});
