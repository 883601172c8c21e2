import type {
  FailureReason,
  ItemReservationFailed,
  ItemReserved,
  OrderCreated,
  ShipmentFailed,
} from '@saga/contracts';
import type { GatewayResults } from './gateway.js';

/**
 * What the payment aggregate is asked to do. `results` collects the gateway's answers as the handler obtains them:
 * the decider asks for one call at a time, so which calls happen (and in which order) is pure, tested logic.
 */
export type PaymentCommand =
  | { type: 'AuthorizePayment'; cause: OrderCreated; results: GatewayResults }
  /**
   * Authorization retries ran out: cancel whatever the gateway may hold for this order (an approval whose answer
   * never reached us), best effort, then fail the step.
   */
  | {
      type: 'FailAuthorization';
      cause: OrderCreated;
      reason: FailureReason;
      message: string;
      results: GatewayResults;
    }
  | { type: 'ReleaseAuthorization'; cause: ItemReservationFailed; results: GatewayResults }
  | { type: 'CapturePayment'; cause: ItemReserved; results: GatewayResults }
  /** Capture retries ran out: fail the step, still trying to void the hold (best effort). */
  | {
      type: 'FailCapture';
      cause: ItemReserved;
      reason: FailureReason;
      message: string;
      results: GatewayResults;
    }
  | { type: 'RefundPayment'; cause: ShipmentFailed; results: GatewayResults };

export type PaymentCommandType = PaymentCommand['type'];
