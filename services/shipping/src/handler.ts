import {
  ignored,
  processOnce,
  RedisStateStore,
  type ErrorInfo,
  type EventHandler,
  type ExhaustedOutcome,
  type HandlerContext,
  type ServiceDeps,
} from '@saga/messaging';
import type { PaymentCaptured } from '@saga/contracts';
import { shipmentKey } from './adapters/keys.js';
import { SimulatedCarrier } from './adapters/simulated-carrier.js';
import type { Carrier } from './shipment/carrier.js';
import {
  alreadyDecided,
  decide,
  exhaustedReason,
  shipmentRequestOf,
  type DecideDeps,
  type ShipmentCommand,
} from './shipment/decide.js';
import { CONSUMED, reactTo } from './shipment/reactions.js';
import type { ShipmentState } from './shipment/state.js';

export interface ShippingOptions {
  /** Defaults to the simulated carrier on the service's Redis. */
  carrier?: Carrier;
}

export function createShippingHandler(deps: ServiceDeps, options: ShippingOptions = {}): EventHandler {
  const store = new RedisStateStore<ShipmentState>(deps.redis, { retentionMs: deps.retentionMs });
  const carrier = options.carrier ?? new SimulatedCarrier(deps.redis, deps.ids, deps.retentionMs);
  const decideDeps = (ctx: HandlerContext): DecideDeps => ({
    clock: deps.clock,
    ids: deps.ids,
    attempt: ctx.attempt,
  });
  const record = (cause: PaymentCaptured, command: ShipmentCommand, ctx: HandlerContext) =>
    processOnce(store, shipmentKey(cause.metadata.orderId), cause.metadata.eventId, (state) =>
      decide(command, state, decideDeps(ctx)),
    );

  return {
    service: 'shipping',
    consumes: CONSUMED,

    async handle(event, ctx) {
      const command = reactTo(event);
      if (!command) return ignored(`shipping does not act on ${event.type}`);
      const { cause } = command;
      return processOnce(
        store,
        shipmentKey(cause.metadata.orderId),
        cause.metadata.eventId,
        async (state) => {
          const done = alreadyDecided(state);
          if (done) return { kind: 'ignored', reason: done };
          // Idempotent by orderId: a crash between booking and commit books nothing new on redelivery.
          // CarrierUnavailableError propagates: the runtime retries it durably.
          const booking = await carrier.createShipment(shipmentRequestOf(cause));
          return decide({ kind: 'RecordBooking', cause, booking }, state, decideDeps(ctx));
        },
      );
    },

    async onRetriesExhausted(event, error: ErrorInfo, ctx): Promise<ExhaustedOutcome> {
      const command = reactTo(event);
      if (!command) return ignored(`shipping does not act on ${event.type}`);
      // Shipping is a forward step: when retries run out the saga hears ShipmentFailed and compensates.
      const message = `shipment failed after ${ctx.attempt} attempts: ${error.code}: ${error.message}`;
      return record(
        command.cause,
        { kind: 'FailShipment', cause: command.cause, reason: exhaustedReason(error.code), message },
        ctx,
      );
    },
  };
}
