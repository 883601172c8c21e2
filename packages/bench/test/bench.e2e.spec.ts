import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_MIX, runBench } from '@saga/bench';
import { SystemUnderTest } from '../../../test/support/system.js';

// The bench against the four services as processes: a short smoke run must lose nothing and leave money and stock
// consistent. Timings are printed by the bench, never asserted (they depend on the machine and its load).
describe('saga bench (smoke)', () => {
  const system = new SystemUnderTest({ basePort: 3600 });

  beforeAll(() => system.start());
  afterAll(() => system.stop());

  it('runs 20 sagas/s for 3 s with the default mix: nothing lost, clean audit', async () => {
    const report = await runBench({ rate: 20, durationS: 3, mix: DEFAULT_MIX, basePort: 3600 });

    expect(report.startedByBench).toEqual([]); // it used the running system
    expect(report.requested).toBe(60);
    expect(report.lost).toBe(0);
    const { shipped, cancelled, rejected } = report.completed;
    // The mix is deterministic (smooth weighted round-robin): 80 % of 60 ship, the rest cancel.
    expect({ shipped, cancelled, rejected }).toEqual({ shipped: 48, cancelled: 12, rejected: 0 });
    expect(report.audit.problems).toEqual([]);
    expect(report.audit.ok).toBe(true);
    expect(report.audit.unfinished).toBe(0);
    expect(report.latencyMs.max).toBeGreaterThan(0);
    expect(Object.keys(report.cpu)).toEqual(
      expect.arrayContaining(['order', 'payment', 'inventory', 'shipping']),
    );
  });

  it('drives every path of the mix, including rejected and capture failures', async () => {
    const report = await runBench({
      rate: 20,
      durationS: 1.2,
      mix: 'happy=1,declined=1,out-of-stock=1,ship-fails=1,capture-fails=1,rejected=1',
      basePort: 3600,
    });
    expect(report.lost).toBe(0);
    expect(report.requested).toBe(24);
    expect(report.completed).toEqual({ shipped: 4, cancelled: 16, rejected: 4 });
    expect(report.audit.problems).toEqual([]);
  });
});
