/**
 * Retry policies as data, with the reference state machine's numbers (Amazon States Language `Retry` blocks):
 * `IntervalSeconds` before the first retry, multiplied by `BackoffRate` after each, at most `MaxAttempts` retries.
 * They apply to every step, compensations included. Which policy applies is decided from an error's stable
 * `code`, never from its message.
 */
export interface RetryPolicy {
  readonly name: string;
  readonly intervalMs: number;
  readonly backoffRate: number;
  readonly maxRetries: number;
}

export const RetryPolicies = {
  /** Lambda.ServiceException & co in the reference: Redis, Kafka, a port's timeout. */
  infrastructure: { name: 'infrastructure', intervalMs: 2_000, backoffRate: 2, maxRetries: 6 },
  /** Payment.GatewayUnavailable in the reference. */
  gatewayUnavailable: { name: 'gatewayUnavailable', intervalMs: 5_000, backoffRate: 3, maxRetries: 5 },
} as const satisfies Record<string, RetryPolicy>;

export type RetryPolicyName = keyof typeof RetryPolicies;

/** A parked (stuck) compensation is tried again on this slow schedule, forever, until it succeeds or is retried by hand. */
export const PARKED_RETRY_INTERVAL_MS = 10 * 60_000;

const POLICY_BY_CODE: Readonly<Record<string, RetryPolicyName>> = {
  GATEWAY_UNAVAILABLE: 'gatewayUnavailable',
};

export function policyFor(code: string): RetryPolicy {
  return RetryPolicies[POLICY_BY_CODE[code] ?? 'infrastructure'];
}

/** Delay before retry number `retry` (1-based), scaled by the time scale (e.g. 0.01 in tests and demos). */
export function retryDelayMs(policy: RetryPolicy, retry: number, timeScale = 1): number {
  if (!Number.isInteger(retry) || retry < 1)
    throw new RangeError(`retry must be a positive integer, got ${retry}`);
  return Math.round(policy.intervalMs * policy.backoffRate ** (retry - 1) * timeScale);
}

export type RetryDecision =
  | { kind: 'retry'; retry: number; delayMs: number; policy: RetryPolicy }
  | { kind: 'exhausted'; attempts: number; policy: RetryPolicy };

/**
 * After `attempt` attempts (1 = the first try) failed with a retriable error of `code`: wait and retry, or give up.
 * With maxRetries = 5 a step is attempted 1 + 5 times in all.
 */
export function decideRetry(code: string, attempt: number, timeScale = 1): RetryDecision {
  const policy = policyFor(code);
  if (attempt > policy.maxRetries) return { kind: 'exhausted', attempts: attempt, policy };
  return { kind: 'retry', retry: attempt, delayMs: retryDelayMs(policy, attempt, timeScale), policy };
}
