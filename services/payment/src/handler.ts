import { EventTypes, SagaError, type Clock, type IdGenerator, type SagaEvent } from '@saga/contracts';
import {
  processOnce,
  type EventHandler,
  type ExhaustedOutcome,
  type HandlerContext,
  type HandlerOutcome,
  type RedisStateStore,
  type StepResult,
} from '@saga/messaging';
import { paymentKey } from './adapters/payment-store.js';
import type { PaymentCommand } from './payment/commands.js';
import { decide } from './payment/decide.js';
import type { GatewayCall, GatewayResults, PaymentGateway } from './payment/gateway.js';
import { commandFor, exhaustionCommandFor } from './payment/reactions.js';
import { brokenPaymentRules } from './payment/rules.js';
import { evolve, type PaymentState } from './payment/state.js';

export interface PaymentHandlerDeps {
  store: RedisStateStore<PaymentState>;
  gateway: PaymentGateway;
  clock: Clock;
  ids: IdGenerator;
}

/** At most this many gateway calls per command (capture → void is the longest chain); guards against a decider bug. */
const MAX_CALLS = 4;

/**
 * Wiring only: inbound event → command (reactions) → gateway calls the decider asks for → events, committed with the
 * new state through processOnce so a redelivered event replays the same events and never repeats the bookkeeping.
 */
export function createPaymentHandler(deps: PaymentHandlerDeps): EventHandler {
  const run = (command: PaymentCommand, ctx: HandlerContext): Promise<HandlerOutcome> =>
    processOnce(
      deps.store,
      paymentKey(command.cause.metadata.orderId),
      command.cause.metadata.eventId,
      (state) => step(command, state, ctx),
    );

  const step = async (first: PaymentCommand, state: PaymentState | undefined, ctx: HandlerContext) => {
    let command = first;
    for (let calls = 0; calls <= MAX_CALLS; calls++) {
      const decision = decide(command, state, { clock: deps.clock, ids: deps.ids, attempt: ctx.attempt });
      switch (decision.kind) {
        case 'ignored':
          return decision;
        case 'emit':
          return {
            kind: 'changed',
            state: decision.events.reduce(evolve, state),
            events: decision.events,
          } as StepResult<PaymentState>;
        case 'call': {
          ctx.log.debug({ op: decision.call.op }, 'calling payment gateway');
          const bestEffort = command.type === 'FailCapture' || command.type === 'FailAuthorization';
          const results = await callGateway(deps.gateway, decision.call, bestEffort);
          if (results.void?.kind === 'unavailable') {
            ctx.log.warn({ command: command.type }, 'could not void at the gateway: it may still hold funds');
          }
          command = withResults(command, results);
          break;
        }
        default: {
          const never: never = decision;
          throw new Error(`unexpected decision ${JSON.stringify(never)}`);
        }
      }
    }
    throw new SagaError(
      'PAYMENT_DECIDER_LOOP',
      `decider asked for more than ${MAX_CALLS} gateway calls`,
      false,
    );
  };

  return {
    service: 'payment',
    consumes: new Set([
      EventTypes.OrderCreated,
      EventTypes.ItemReservationFailed,
      EventTypes.ItemReserved,
      EventTypes.ShipmentFailed,
    ]),
    async handle(event: SagaEvent, ctx: HandlerContext): Promise<HandlerOutcome> {
      if (event.type === 'OrderCreated') {
        const broken = brokenPaymentRules(event);
        // Non-retriable: the runtime dead-letters it with this code and moves on.
        if (broken.length > 0) throw new SagaError('DOMAIN_RULE_VIOLATED', broken.join('; '), false);
      }
      const command = commandFor(event);
      if (!command) return { kind: 'ignored', reason: `payment does not handle ${event.type}` };
      return run(command, ctx);
    },
    async onRetriesExhausted(event, error, ctx): Promise<ExhaustedOutcome> {
      const reaction = exhaustionCommandFor(event, error);
      if (!reaction) return { kind: 'ignored', reason: `payment does not handle ${event.type}` };
      if (reaction.type === 'park') return { kind: 'park' };
      return run(reaction, ctx);
    },
  };
}

/**
 * One gateway call. `bestEffortVoid`: when authorize or capture retries have run out we still try to void the hold,
 * but an unreachable gateway must not block the failure event any longer — it is recorded as `unavailable`.
 */
async function callGateway(
  gateway: PaymentGateway,
  call: GatewayCall,
  bestEffortVoid: boolean,
): Promise<GatewayResults> {
  switch (call.op) {
    case 'authorize':
      return { authorize: await gateway.authorize(call.request) };
    case 'capture':
      return { capture: await gateway.capture(call.request) };
    case 'void':
      try {
        return { void: await gateway.void(call.request) };
      } catch (err) {
        if (!bestEffortVoid || (err instanceof SagaError && !err.retriable)) throw err;
        return { void: { kind: 'unavailable', message: err instanceof Error ? err.message : String(err) } };
      }
    case 'refund':
      return { refund: await gateway.refund(call.request) };
    default: {
      const never: never = call;
      throw new Error(`unexpected gateway call ${JSON.stringify(never)}`);
    }
  }
}

function withResults(command: PaymentCommand, results: GatewayResults): PaymentCommand {
  return { ...command, results: { ...command.results, ...results } };
}
