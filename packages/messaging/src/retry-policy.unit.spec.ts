import { decideRetry, policyFor, RetryPolicies, retryDelayMs } from './retry-policy.js';

describe('retry policies (the reference numbers)', () => {
  it('infrastructure faults: 2 s, x2, at most 6 retries', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((r) => retryDelayMs(RetryPolicies.infrastructure, r));
    expect(delays).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 64_000]);
  });

  it('gateway unavailable: 5 s, x3, at most 5 retries', () => {
    const delays = [1, 2, 3, 4, 5].map((r) => retryDelayMs(RetryPolicies.gatewayUnavailable, r));
    expect(delays).toEqual([5_000, 15_000, 45_000, 135_000, 405_000]);
  });

  it('picks the policy from the error code, defaulting to infrastructure', () => {
    expect(policyFor('GATEWAY_UNAVAILABLE').name).toBe('gatewayUnavailable');
    expect(policyFor('REDIS_UNAVAILABLE').name).toBe('infrastructure');
  });

  it('allows 1 + maxRetries attempts, then is exhausted', () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      expect(decideRetry('GATEWAY_UNAVAILABLE', attempt).kind).toBe('retry');
    }
    expect(decideRetry('GATEWAY_UNAVAILABLE', 6)).toMatchObject({ kind: 'exhausted', attempts: 6 });
    expect(decideRetry('TIMEOUT', 6).kind).toBe('retry');
    expect(decideRetry('TIMEOUT', 7).kind).toBe('exhausted');
  });

  it('scales every delay by the time scale without changing the schedule shape', () => {
    expect(decideRetry('GATEWAY_UNAVAILABLE', 2, 0.01)).toMatchObject({
      kind: 'retry',
      retry: 2,
      delayMs: 150,
    });
  });

  it('rejects a retry number that is not a positive integer', () => {
    expect(() => retryDelayMs(RetryPolicies.infrastructure, 0)).toThrow(RangeError);
  });
});
