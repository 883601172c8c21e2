import { FailureReasons } from '@saga/contracts';
import type {
  AuthorizeDeclineReason,
  AuthorizeResult,
  CaptureResult,
  VoidResult,
} from '../payment/gateway.js';

/**
 * Test card tokens of the simulated gateway, in the spirit of card networks' test numbers (see README.md). Pure:
 * the Redis adapter feeds in what the gateway remembers for the order and stores what these functions answer.
 */
export type TokenBehaviour =
  | { kind: 'approve' }
  | { kind: 'decline'; reason: AuthorizeDeclineReason }
  /** Authorize is unavailable for the first `times` attempts (Infinity: always). */
  | { kind: 'authorizeUnavailable'; times: number }
  /** Authorize approves at the gateway, but its answer never arrives: every call times out (unavailable). */
  | { kind: 'authorizeAnswerLost' }
  | { kind: 'captureDeclined' }
  /** Refund is unavailable for the first `times` attempts. */
  | { kind: 'refundUnavailable'; times: number }
  /** Refund is unavailable until recoverGateway(orderId) is called. */
  | { kind: 'refundOutage' };

export const TestTokens = {
  approve: 'tok_approve',
  insufficientFunds: 'tok_insufficient_funds',
  invalidCard: 'tok_invalid_card',
  alwaysUnavailable: 'tok_always_unavailable',
  lostAnswer: 'tok_lost_answer',
  captureFails: 'tok_capture_fails',
  refundOutage: 'tok_refund_outage',
  unavailable: (n: number) => `tok_unavailable_${n}`,
  refundFails: (n: number) => `tok_refund_fails_${n}`,
  slow: (ms: number) => `tok_slow_${ms}`,
} as const;

/**
 * `tok_slow_<ms>`: every authorize call takes that long before it approves (at most 2 minutes) — a port slower than
 * the consumer's session timeout, for the chaos suite. 0 for every other token.
 */
export function authorizeLatencyMs(token: string): number {
  const slow = /^tok_slow_(\d{1,6})$/.exec(token);
  return slow ? Math.min(Number(slow[1]), 120_000) : 0;
}

export function behaviourOf(token: string): TokenBehaviour {
  switch (token) {
    case TestTokens.insufficientFunds:
      return { kind: 'decline', reason: FailureReasons.INSUFFICIENT_FUNDS };
    case TestTokens.invalidCard:
      return { kind: 'decline', reason: FailureReasons.INVALID_CARD };
    case TestTokens.alwaysUnavailable:
      return { kind: 'authorizeUnavailable', times: Infinity };
    case TestTokens.lostAnswer:
      return { kind: 'authorizeAnswerLost' };
    case TestTokens.captureFails:
      return { kind: 'captureDeclined' };
    case TestTokens.refundOutage:
      return { kind: 'refundOutage' };
  }
  const unavailable = /^tok_unavailable_(\d{1,6})$/.exec(token);
  if (unavailable) return { kind: 'authorizeUnavailable', times: Number(unavailable[1]) };
  const refundFails = /^tok_refund_fails_(\d{1,6})$/.exec(token);
  if (refundFails) return { kind: 'refundUnavailable', times: Number(refundFails[1]) };
  // Any other token (tok_approve included) is a good card.
  return { kind: 'approve' };
}

/** What the simulated gateway remembers about one order (gw:{orderId}). */
export interface GatewayMemory {
  token: string | undefined;
  /** This call's attempt number for its operation, 1-based (counted only until a result is recorded). */
  attempt: number;
  recovered: boolean;
  authorize: AuthorizeResult | undefined;
  capture: CaptureResult | undefined;
  void: VoidResult | undefined;
}

/** `unavailable` is thrown as GATEWAY_UNAVAILABLE; `rejected` is a request the gateway refuses outright. */
export type SimOutcome<R> =
  { kind: 'unavailable' } | { kind: 'rejected'; message: string } | { kind: 'answer'; answer: R };

const unavailable = { kind: 'unavailable' } as const;
const answer = <R>(a: R): SimOutcome<R> => ({ kind: 'answer', answer: a });

export function simulateAuthorize(
  token: string,
  attempt: number,
  newId: () => string,
): SimOutcome<AuthorizeResult> {
  const b = behaviourOf(token);
  if (b.kind === 'authorizeUnavailable' && attempt <= b.times) return unavailable;
  if (b.kind === 'decline') {
    const message = b.reason === 'INSUFFICIENT_FUNDS' ? 'insufficient funds' : 'invalid card';
    return answer({ kind: 'declined', reason: b.reason, message });
  }
  return answer({ kind: 'approved', authorizationId: `auth_${newId()}` });
}

export function simulateCapture(memory: GatewayMemory, newId: () => string): SimOutcome<CaptureResult> {
  if (memory.authorize?.kind !== 'approved')
    return answer({ kind: 'declined', message: 'no authorization held' });
  if (memory.void?.kind === 'voided')
    return answer({ kind: 'declined', message: 'authorization was voided' });
  if (behaviourOf(memory.token ?? '').kind === 'captureDeclined') {
    return answer({ kind: 'declined', message: 'issuer declined the capture' });
  }
  return answer({ kind: 'captured', captureId: `cap_${newId()}` });
}

export function simulateVoid(memory: GatewayMemory): SimOutcome<VoidResult> {
  if (memory.authorize?.kind !== 'approved')
    return answer({ kind: 'notHeld', message: 'no authorization held' });
  if (memory.capture?.kind === 'captured')
    return answer({ kind: 'notHeld', message: 'authorization already captured' });
  return answer({ kind: 'voided' });
}

export function simulateRefund(
  memory: GatewayMemory,
  newId: () => string,
): SimOutcome<{ kind: 'refunded'; refundId: string }> {
  if (memory.capture?.kind !== 'captured') return { kind: 'rejected', message: 'nothing captured to refund' };
  const b = behaviourOf(memory.token ?? '');
  if (b.kind === 'refundUnavailable' && memory.attempt <= b.times) return unavailable;
  if (b.kind === 'refundOutage' && !memory.recovered) return unavailable;
  return answer({ kind: 'refunded', refundId: `ref_${newId()}` });
}
