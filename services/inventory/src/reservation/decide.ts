import {
  causedBy,
  FailureReasons,
  SagaSteps,
  type Clock,
  type FailureReason,
  type IdGenerator,
  type ItemReleased,
  type ItemReservationFailed,
  type ItemReserved,
  type PaymentAuthorized,
  type PaymentCaptureFailed,
  type PaymentRefunded,
} from '@saga/contracts';
import { evolve, type InventoryEvent, type ReservationState } from './state.js';

export const PRODUCER = 'inventory';

export type ReservationCommand =
  | { kind: 'ReserveItem'; cause: PaymentAuthorized }
  | { kind: 'ReleaseItem'; cause: PaymentCaptureFailed | PaymentRefunded }
  /** Made by the handler when a reservation's retries run out ("any error" in the reference). */
  | { kind: 'FailReservation'; cause: PaymentAuthorized; reason: FailureReason; message: string };

export interface DecideDeps {
  clock: Clock;
  ids: IdGenerator;
  /** Attempt of the step, stamped into outgoing metadata. */
  attempt: number;
}

/** A possible result: the new state and the events that explain it. */
export interface Outcome {
  state: ReservationState;
  events: InventoryEvent[];
}

/**
 * Whether a reservation succeeds depends on stock that only Redis can check atomically, so the decider prepares
 * every candidate outcome and the stock script picks one in the same atomic step that moves the stock.
 */
export type Decision =
  | { kind: 'ignored'; reason: string }
  | { kind: 'reserve'; quantity: number; reserved: Outcome; outOfStock: Outcome; unknownSku: Outcome }
  | { kind: 'release'; quantity: number; outcome: Outcome }
  /** A state change with no stock movement. */
  | { kind: 'record'; outcome: Outcome };

export function decide(
  command: ReservationCommand,
  state: ReservationState | undefined,
  deps: DecideDeps,
): Decision {
  switch (command.kind) {
    case 'ReserveItem':
      return decideReserve(command.cause, state, deps);
    case 'ReleaseItem':
      return decideRelease(command.cause, state, deps);
    case 'FailReservation':
      if (state) return { kind: 'ignored', reason: `reservation already ${state.status}` };
      return { kind: 'record', outcome: rejected(command.cause, command.reason, command.message, deps) };
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

function decideReserve(
  cause: PaymentAuthorized,
  state: ReservationState | undefined,
  deps: DecideDeps,
): Decision {
  // A second authorization for the same order (new eventId) must not reserve twice.
  if (state) return { kind: 'ignored', reason: `reservation already ${state.status}` };
  const { sku, quantity } = cause.order;
  if (!Number.isInteger(quantity) || quantity <= 0) {
    // Upstream validation should make this impossible; fail the step rather than corrupt stock.
    return {
      kind: 'record',
      outcome: rejected(cause, FailureReasons.UNKNOWN, `invalid quantity ${quantity}`, deps),
    };
  }
  const reserved: ItemReserved = {
    type: 'ItemReserved',
    metadata: causedBy(cause, { ...deps, producer: PRODUCER }),
    order: cause.order,
    reservationId: `res-${deps.ids.next()}`,
  };
  return {
    kind: 'reserve',
    quantity,
    reserved: outcomeOf(state, reserved),
    outOfStock: rejected(
      cause,
      FailureReasons.OUT_OF_STOCK,
      `not enough ${sku} in stock for ${quantity}`,
      deps,
    ),
    unknownSku: rejected(cause, FailureReasons.UNKNOWN_SKU, `${sku} is not in the catalog`, deps),
  };
}

function decideRelease(
  cause: PaymentCaptureFailed | PaymentRefunded,
  state: ReservationState | undefined,
  deps: DecideDeps,
): Decision {
  if (!state) return { kind: 'ignored', reason: 'no reservation to release' };
  if (state.status !== 'reserved') return { kind: 'ignored', reason: `reservation is ${state.status}` };
  const released: ItemReleased = {
    type: 'ItemReleased',
    metadata: causedBy(cause, { ...deps, producer: PRODUCER }),
    // What was actually reserved is authoritative, not what the compensation claims.
    sku: state.sku,
    quantity: state.quantity,
    failure: cause.failure,
  };
  return { kind: 'release', quantity: state.quantity, outcome: outcomeOf(state, released) };
}

function rejected(
  cause: PaymentAuthorized,
  reason: FailureReason,
  message: string,
  deps: DecideDeps,
): Outcome {
  const failed: ItemReservationFailed = {
    type: 'ItemReservationFailed',
    metadata: causedBy(cause, { ...deps, producer: PRODUCER }),
    sku: cause.order.sku,
    quantity: cause.order.quantity,
    failure: { step: SagaSteps.RESERVE_ITEM, reason, message },
  };
  return outcomeOf(undefined, failed);
}

function outcomeOf(state: ReservationState | undefined, event: InventoryEvent): Outcome {
  const next = evolve(state, event);
  if (!next) throw new Error(`${event.type} produced no state`); // a bug in evolve, not an input problem
  return { state: next, events: [event] };
}

/**
 * The stock rule the reserve script applies atomically, stated once in TS so it is readable and tested:
 * no stock entry = unknown SKU; never let `available` go below zero.
 */
export function pickReservation(
  stock: { available: number } | undefined,
  quantity: number,
): 'reserved' | 'outOfStock' | 'unknownSku' {
  if (!stock) return 'unknownSku';
  return stock.available >= quantity ? 'reserved' : 'outOfStock';
}
