import {
  causedBy,
  FailureReasons,
  SagaError,
  SagaSteps,
  type Clock,
  type EventMetadata,
  type FailureReason,
  type IdGenerator,
} from '@saga/contracts';
import type { PaymentCommand } from './commands.js';
import type { GatewayCall, GatewayResults, VoidResult } from './gateway.js';
import type { PaymentEvent, PaymentState } from './state.js';

export const PAYMENT_PRODUCER = 'payment';

export interface DecideDeps {
  clock: Clock;
  ids: IdGenerator;
  /** Attempt of the step (ctx.attempt), stamped on outgoing metadata. */
  attempt: number;
}

/**
 * `call`: the decider needs the gateway's answer to this call first; the handler makes it, adds the answer to the
 * command's `results` and asks again. Pure: no I/O, time and ids injected.
 */
export type Decision =
  | { kind: 'ignored'; reason: string }
  | { kind: 'call'; call: GatewayCall }
  | { kind: 'emit'; events: PaymentEvent[] };

const ignored = (reason: string): Decision => ({ kind: 'ignored', reason });
const call = (c: GatewayCall): Decision => ({ kind: 'call', call: c });
const emit = (...events: PaymentEvent[]): Decision => ({ kind: 'emit', events });

type Authorized = Extract<PaymentState, { status: 'authorized' }>;

export function decide(command: PaymentCommand, state: PaymentState | undefined, deps: DecideDeps): Decision {
  const metadata = (): EventMetadata =>
    causedBy(command.cause, {
      clock: deps.clock,
      ids: deps.ids,
      producer: PAYMENT_PRODUCER,
      attempt: deps.attempt,
    });
  const orderId = command.cause.metadata.orderId;

  switch (command.type) {
    case 'AuthorizePayment': {
      // A second OrderCreated for the same order (re-published, new eventId) must not authorize again.
      if (state) return ignored(`payment already ${state.status}`);
      const { order, paymentToken } = command.cause;
      const result = command.results.authorize;
      if (!result) {
        return call({
          op: 'authorize',
          request: { orderId, token: paymentToken, amount: order.amount, currency: order.currency },
        });
      }
      switch (result.kind) {
        case 'approved':
          return emit({
            type: 'PaymentAuthorized',
            metadata: metadata(),
            order,
            authorizationId: result.authorizationId,
          });
        case 'declined':
          return emit(authorizationFailed(metadata(), result.reason, result.message));
        default:
          return assertNever(result);
      }
    }
    case 'FailAuthorization': {
      if (state) return ignored(`payment already ${state.status}`);
      // Every attempt failed as far as we know, but the gateway may have approved one whose answer was lost (a
      // timeout after the approval): cancel by our idempotency key, or the card stays held for an order that failed.
      const voided = command.results.void;
      if (!voided) return call({ op: 'void', request: { orderId } });
      return emit(
        authorizationFailed(metadata(), command.reason, `${command.message}; ${cancelNote(voided)}`),
      );
    }

    case 'ReleaseAuthorization': {
      if (!state) return ignored('no authorization to release');
      if (state.status !== 'authorized') return ignored(`nothing to release: payment ${state.status}`);
      const result = command.results.void;
      if (!result) return call({ op: 'void', request: { orderId, authorizationId: state.authorizationId } });
      // A compensation must not be skipped: an unreachable gateway is retried (and parked if it stays down).
      if (result.kind === 'unavailable') throw new SagaError('GATEWAY_UNAVAILABLE', result.message, true);
      // `notHeld` still completes the release: the gateway holds nothing, which is what the compensation wants.
      return emit({
        type: 'PaymentAuthorizationReleased',
        metadata: metadata(),
        authorizationId: state.authorizationId,
        amount: state.ledger.authorized,
        currency: state.ledger.currency,
        failure: command.cause.failure,
      });
    }
    case 'CapturePayment': {
      const guard = captureGuard(state);
      if (guard.kind === 'ignored') return guard;
      const authorized = guard.state;
      const result = command.results.capture;
      if (!result) {
        const { amount, currency } = authorized.order;
        const request = { orderId, authorizationId: authorized.authorizationId, amount, currency };
        return call({ op: 'capture', request });
      }
      switch (result.kind) {
        case 'captured':
          return emit({
            type: 'PaymentCaptured',
            metadata: metadata(),
            order: command.cause.order,
            captureId: result.captureId,
            amount: authorized.ledger.authorized,
            currency: authorized.ledger.currency,
          });
        case 'declined':
          return voidThenFail(
            orderId,
            authorized,
            command.results,
            FailureReasons.CAPTURE_DECLINED,
            result.message,
            metadata,
          );
        default:
          return assertNever(result);
      }
    }
    case 'FailCapture': {
      const guard = captureGuard(state);
      if (guard.kind === 'ignored') return guard;
      return voidThenFail(orderId, guard.state, command.results, command.reason, command.message, metadata);
    }
    case 'RefundPayment': {
      if (!state) return ignored('nothing captured to refund: no payment');
      if (state.status === 'refunded') return ignored('already refunded');
      if (state.status !== 'captured') return ignored(`nothing captured to refund: payment ${state.status}`);
      const { captured, currency, captureId } = state.ledger;
      const result = command.results.refund;
      if (!result) {
        return call({
          op: 'refund',
          request: { orderId, captureId: captureId ?? '', amount: captured, currency },
        });
      }
      return emit({
        type: 'PaymentRefunded',
        metadata: metadata(),
        sku: state.order.sku,
        quantity: state.order.quantity,
        refundId: result.refundId,
        amount: captured,
        currency,
        failure: command.cause.failure,
      });
    }
    default:
      return assertNever(command);
  }
}

function captureGuard(
  state: PaymentState | undefined,
): { kind: 'ignored'; reason: string } | { kind: 'ok'; state: Authorized } {
  if (!state) return { kind: 'ignored', reason: 'no authorization to capture' };
  if (state.status === 'authorized') return { kind: 'ok', state };
  if (state.status === 'captured') return { kind: 'ignored', reason: 'already captured' };
  return { kind: 'ignored', reason: `cannot capture: payment ${state.status}` };
}

/**
 * A failed capture also voids the authorization if the gateway still holds it (the reference only released the
 * item, leaving the customer's funds on hold until the authorization expired).
 */
function voidThenFail(
  orderId: string,
  state: Authorized,
  results: GatewayResults,
  reason: FailureReason,
  message: string,
  metadata: () => EventMetadata,
): Decision {
  const voided = results.void;
  if (!voided) return call({ op: 'void', request: { orderId, authorizationId: state.authorizationId } });
  return emit({
    type: 'PaymentCaptureFailed',
    metadata: metadata(),
    sku: state.order.sku,
    quantity: state.order.quantity,
    failure: { step: SagaSteps.CAPTURE_PAYMENT, reason, message },
    authorizationVoided: voided.kind === 'voided',
  });
}

function authorizationFailed(metadata: EventMetadata, reason: FailureReason, message: string): PaymentEvent {
  return {
    type: 'PaymentAuthorizationFailed',
    metadata,
    failure: { step: SagaSteps.AUTHORIZE_PAYMENT, reason, message },
  };
}

/** What the failure event says about the technical cancel, so an operator sees a hold that may remain. */
function cancelNote(result: VoidResult): string {
  switch (result.kind) {
    case 'voided':
      return 'an authorization the gateway held for this order was voided';
    case 'notHeld':
      return 'the gateway held no authorization for this order';
    case 'unavailable':
      return `the gateway could not be asked to void a possible authorization (${result.message}): it may still hold funds`;
    default:
      return assertNever(result);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
