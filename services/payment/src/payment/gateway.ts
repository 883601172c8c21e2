import type { FailureReason } from '@saga/contracts';

/**
 * The payment gateway port, as the domain sees it. Every operation is idempotent by orderId + operation (a real
 * gateway's idempotency key): asking again returns the first answer, so a crash between the gateway call and our
 * commit can never charge, void or refund twice. Declines are answers; unavailability is thrown by the adapter as
 * SagaError('GATEWAY_UNAVAILABLE', …, retriable) so the runtime's durable retry applies.
 */
export interface AuthorizeRequest {
  orderId: string;
  /** Opaque card token; never logged, never stored in the payment aggregate. */
  token: string;
  amount: number;
  currency: string;
}
export interface CaptureRequest {
  orderId: string;
  authorizationId: string;
  amount: number;
  currency: string;
}
export interface VoidRequest {
  orderId: string;
  /**
   * Absent: a "technical cancel" by our idempotency key (the orderId), for an authorization whose answer never
   * reached us (the call timed out after the gateway approved it), so its id is unknown.
   */
  authorizationId?: string;
}
export interface RefundRequest {
  orderId: string;
  captureId: string;
  amount: number;
  currency: string;
}

export type AuthorizeDeclineReason = Extract<FailureReason, 'INSUFFICIENT_FUNDS' | 'INVALID_CARD'>;

export type AuthorizeResult =
  | { kind: 'approved'; authorizationId: string }
  | { kind: 'declined'; reason: AuthorizeDeclineReason; message: string };
export type CaptureResult = { kind: 'captured'; captureId: string } | { kind: 'declined'; message: string };
/**
 * `notHeld`: the gateway holds no authorization to void (never made, or already captured). `unavailable` is only
 * produced when retries have run out and we must decide without the gateway (see handler.ts).
 */
export type VoidResult =
  { kind: 'voided' } | { kind: 'notHeld'; message: string } | { kind: 'unavailable'; message: string };
export type RefundResult = { kind: 'refunded'; refundId: string };

export interface PaymentGateway {
  authorize(request: AuthorizeRequest): Promise<AuthorizeResult>;
  capture(request: CaptureRequest): Promise<CaptureResult>;
  void(request: VoidRequest): Promise<VoidResult>;
  refund(request: RefundRequest): Promise<RefundResult>;
}

/** A gateway call the decider asks for before it can decide. */
export type GatewayCall =
  | { op: 'authorize'; request: AuthorizeRequest }
  | { op: 'capture'; request: CaptureRequest }
  | { op: 'void'; request: VoidRequest }
  | { op: 'refund'; request: RefundRequest };

/** Answers gathered so far for one command; the decider asks for what is missing. */
export interface GatewayResults {
  authorize?: AuthorizeResult;
  capture?: CaptureResult;
  void?: VoidResult;
  refund?: RefundResult;
}
