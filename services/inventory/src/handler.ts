import { FailureReasons, type SagaEvent } from '@saga/contracts';
import {
  ignored,
  type ErrorInfo,
  type EventHandler,
  type ExhaustedOutcome,
  type HandlerContext,
  type HandlerOutcome,
  type ServiceDeps,
} from '@saga/messaging';
import { ReservationRepository } from './adapters/reservation-repository.js';
import { DEFAULT_CATALOG, seedCatalog } from './adapters/stock-repository.js';
import { decide, type DecideDeps, type ReservationCommand } from './reservation/decide.js';
import { CONSUMED, reactTo, skuOf } from './reservation/reactions.js';

export interface InventoryOptions {
  /** Stock created at start for SKUs that have none yet. */
  catalog?: Readonly<Record<string, number>>;
}

export function createInventoryHandler(deps: ServiceDeps, options: InventoryOptions = {}): EventHandler {
  const repo = new ReservationRepository(deps.redis, deps.retentionMs);
  const catalog = options.catalog ?? DEFAULT_CATALOG;

  // Seeding starts with the service; events wait for it, and a failed seed is tried again by the next event
  // (its error makes that event retriable) instead of leaving the catalog half-made for good.
  let seeding: Promise<void> | undefined;
  const seeded = (): Promise<void> =>
    (seeding ??= seedCatalog(deps.redis, catalog).then(
      (created) => {
        if (created.length > 0) deps.logger.info({ created }, 'catalog seeded');
      },
      (err: unknown) => {
        seeding = undefined;
        throw err;
      },
    ));
  seeded().catch((err: unknown) =>
    deps.logger.warn({ err }, 'catalog seeding failed; retrying on next event'),
  );

  const decideDeps = (ctx: HandlerContext): DecideDeps => ({
    clock: deps.clock,
    ids: deps.ids,
    attempt: ctx.attempt,
  });

  const run = (command: ReservationCommand, event: SagaEvent, ctx: HandlerContext): Promise<HandlerOutcome> =>
    repo.process(skuOf(command), event.metadata.orderId, event.metadata.eventId, (state) =>
      decide(command, state, decideDeps(ctx)),
    );

  return {
    service: 'inventory',
    consumes: CONSUMED,

    async handle(event, ctx) {
      const command = reactTo(event);
      if (!command) return ignored(`inventory does not act on ${event.type}`);
      await seeded();
      return run(command, event, ctx);
    },

    async onRetriesExhausted(
      event: SagaEvent,
      error: ErrorInfo,
      ctx: HandlerContext,
    ): Promise<ExhaustedOutcome> {
      const command = reactTo(event);
      if (!command) return ignored(`inventory does not act on ${event.type}`);
      switch (command.kind) {
        case 'ReserveItem':
          // The reference fails the reserve step on any error once retries are spent; record it so a
          // redelivery replays the same failure event.
          return run(
            {
              kind: 'FailReservation',
              cause: command.cause,
              reason: FailureReasons.INFRASTRUCTURE_FAILURE,
              message: `reservation failed after ${ctx.attempt} attempts: ${error.code}: ${error.message}`,
            },
            event,
            ctx,
          );
        case 'ReleaseItem':
          // A compensation must not be given up: the runtime parks it as stuck and keeps retrying slowly.
          return { kind: 'park' };
        default: {
          const unreachable: never = command;
          return unreachable;
        }
      }
    },
  };
}
