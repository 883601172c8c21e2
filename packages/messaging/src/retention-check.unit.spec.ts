import { describe, expect, it } from '@jest/globals';
import { retentionProblem } from './retention-check.js';

const H = 3_600_000;

describe('retentionProblem: saga state must outlive the records it guards', () => {
  it('accepts state kept forever, whatever the topics keep', () => {
    expect(retentionProblem(0, [{ topic: 'orders', retentionMs: -1 }])).toBeUndefined();
  });

  it('accepts topics that keep their records as long as the state, or shorter', () => {
    const topics = [
      { topic: 'orders', retentionMs: 24 * H },
      { topic: 'payments', retentionMs: 168 * H },
    ];
    expect(retentionProblem(168 * H, topics)).toBeUndefined();
  });

  it('names every topic that keeps records longer, and both ways out', () => {
    const problem = retentionProblem(24 * H, [
      { topic: 'orders', retentionMs: 24 * H },
      { topic: 'payments', retentionMs: 48 * H },
      { topic: 'inventory', retentionMs: -1 },
    ]);
    expect(problem).toContain('kept 24 h');
    expect(problem).toContain('payments (48 h)');
    expect(problem).toContain('inventory (forever)');
    expect(problem).not.toContain('orders (');
    expect(problem).toMatch(/Raise SAGA_RETENTION_S .* or lower the topics' retention\.ms/);
  });

  it('counts one millisecond longer as longer', () => {
    expect(retentionProblem(24 * H, [{ topic: 'orders', retentionMs: 24 * H + 1 }])).toBeDefined();
  });
});
