import { describe, expect, it } from '@jest/globals';
import {
  authorizeLatencyMs,
  behaviourOf,
  simulateAuthorize,
  simulateCapture,
  simulateRefund,
  simulateVoid,
  TestTokens,
  type GatewayMemory,
} from './test-tokens.js';

const id = () => 'x';
const memory = (overrides: Partial<GatewayMemory> = {}): GatewayMemory => ({
  token: 'tok_approve',
  attempt: 1,
  recovered: false,
  authorize: { kind: 'approved', authorizationId: 'auth_x' },
  capture: undefined,
  void: undefined,
  ...overrides,
});
const captured = { kind: 'captured', captureId: 'cap_x' } as const;

describe('test tokens', () => {
  it('parses every documented token; anything else approves', () => {
    expect(behaviourOf('tok_approve')).toEqual({ kind: 'approve' });
    expect(behaviourOf('tok_whatever')).toEqual({ kind: 'approve' });
    expect(behaviourOf('tok_insufficient_funds')).toEqual({ kind: 'decline', reason: 'INSUFFICIENT_FUNDS' });
    expect(behaviourOf('tok_invalid_card')).toEqual({ kind: 'decline', reason: 'INVALID_CARD' });
    expect(behaviourOf('tok_unavailable_3')).toEqual({ kind: 'authorizeUnavailable', times: 3 });
    expect(behaviourOf('tok_always_unavailable')).toEqual({ kind: 'authorizeUnavailable', times: Infinity });
    expect(behaviourOf('tok_lost_answer')).toEqual({ kind: 'authorizeAnswerLost' });
    expect(behaviourOf('tok_capture_fails')).toEqual({ kind: 'captureDeclined' });
    expect(behaviourOf('tok_refund_fails_2')).toEqual({ kind: 'refundUnavailable', times: 2 });
    expect(behaviourOf('tok_refund_outage')).toEqual({ kind: 'refundOutage' });
    expect(TestTokens.unavailable(4)).toBe('tok_unavailable_4');
  });

  it('authorize: approve, decline, unavailable for the first N attempts', () => {
    expect(simulateAuthorize('tok_approve', 1, id)).toEqual({
      kind: 'answer',
      answer: { kind: 'approved', authorizationId: 'auth_x' },
    });
    expect(simulateAuthorize('tok_invalid_card', 1, id)).toEqual({
      kind: 'answer',
      answer: { kind: 'declined', reason: 'INVALID_CARD', message: 'invalid card' },
    });
    expect(simulateAuthorize('tok_unavailable_2', 2, id)).toEqual({ kind: 'unavailable' });
    expect(simulateAuthorize('tok_unavailable_2', 3, id).kind).toBe('answer');
    expect(simulateAuthorize('tok_always_unavailable', 1_000, id)).toEqual({ kind: 'unavailable' });
  });

  it('capture: declined for tok_capture_fails, without an authorization, or after a void', () => {
    expect(simulateCapture(memory(), id)).toEqual({ kind: 'answer', answer: captured });
    expect(simulateCapture(memory({ token: 'tok_capture_fails' }), id)).toEqual({
      kind: 'answer',
      answer: { kind: 'declined', message: 'issuer declined the capture' },
    });
    expect(simulateCapture(memory({ authorize: undefined }), id)).toEqual(
      expect.objectContaining({ answer: expect.objectContaining({ kind: 'declined' }) }),
    );
    expect(simulateCapture(memory({ void: { kind: 'voided' } }), id)).toEqual(
      expect.objectContaining({ answer: expect.objectContaining({ kind: 'declined' }) }),
    );
  });

  it('void: only a held, uncaptured authorization is voided', () => {
    expect(simulateVoid(memory())).toEqual({ kind: 'answer', answer: { kind: 'voided' } });
    expect(simulateVoid(memory({ capture: captured }))).toEqual({
      kind: 'answer',
      answer: { kind: 'notHeld', message: 'authorization already captured' },
    });
    expect(simulateVoid(memory({ authorize: undefined })).kind).toBe('answer');
  });

  it('refund: unavailable N times, or until recovered; rejected when nothing was captured', () => {
    const refundFails = memory({ token: 'tok_refund_fails_2', capture: captured });
    expect(simulateRefund({ ...refundFails, attempt: 2 }, id)).toEqual({ kind: 'unavailable' });
    expect(simulateRefund({ ...refundFails, attempt: 3 }, id)).toEqual({
      kind: 'answer',
      answer: { kind: 'refunded', refundId: 'ref_x' },
    });
    const outage = memory({ token: 'tok_refund_outage', capture: captured, attempt: 99 });
    expect(simulateRefund(outage, id)).toEqual({ kind: 'unavailable' });
    expect(simulateRefund({ ...outage, recovered: true }, id).kind).toBe('answer');
    expect(simulateRefund(memory(), id).kind).toBe('rejected');
  });
});

describe('tok_slow_<ms>', () => {
  it('makes authorize take that long, capped at two minutes, and approves', () => {
    expect(authorizeLatencyMs('tok_slow_15000')).toBe(15_000);
    expect(authorizeLatencyMs('tok_slow_999999')).toBe(120_000);
    expect(authorizeLatencyMs('tok_approve')).toBe(0);
    expect(behaviourOf('tok_slow_15000')).toEqual({ kind: 'approve' });
  });
});
