import { Topics } from '@saga/contracts';
import type { ServiceModule } from '@saga/messaging';
import { createPaymentStore } from './adapters/payment-store.js';
import { SimulatedGateway } from './adapters/simulated-gateway.js';
import { createPaymentHandler } from './handler.js';

export { createPaymentHandler, type PaymentHandlerDeps } from './handler.js';
export {
  paymentKey,
  readPaymentLedger,
  createPaymentStore,
  type PaymentLedgerView,
} from './adapters/payment-store.js';
export { gatewayKey, recoverGateway, SimulatedGateway } from './adapters/simulated-gateway.js';
export { TestTokens, behaviourOf, type TokenBehaviour } from './adapters/test-tokens.js';
export type { Ledger, PaymentState, PaymentStatus, PaymentEvent } from './payment/state.js';
export type { PaymentGateway } from './payment/gateway.js';

/** The payment service: authorizes and captures, voids and refunds as compensations (see README.md). */
export const paymentService: ServiceModule = {
  name: 'payment',
  topics: [Topics.orders, Topics.inventory, Topics.shipping],
  createHandler: (deps) =>
    createPaymentHandler({
      store: createPaymentStore(deps.redis, deps.retentionMs),
      gateway: new SimulatedGateway(deps.redis, deps.ids, deps.retentionMs),
      clock: deps.clock,
      ids: deps.ids,
    }),
};
