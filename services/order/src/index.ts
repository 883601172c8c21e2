import { allEventTypes, topicOf, Topics, type EventType, type Topic } from '@saga/contracts';
import type { ServiceModule } from '@saga/messaging';
import { OrderHandler } from './handler.js';
import { orderRoutes } from './http/routes.js';

const TOPICS: readonly Topic[] = [Topics.orderRequests, Topics.payments, Topics.inventory, Topics.shipping];

/** Every event type published on the order service's topics. */
export const ORDER_CONSUMES: ReadonlySet<EventType> = new Set(
  allEventTypes().filter((type) => TOPICS.includes(topicOf(type))),
);

export const orderService: ServiceModule = {
  name: 'order',
  topics: TOPICS,
  createHandler: (deps) => new OrderHandler(ORDER_CONSUMES, deps),
  routes: orderRoutes,
};

export { OrderHandler, type OrderHandlerDeps } from './handler.js';
export {
  listOrders,
  readOrder,
  orderKey,
  ORDER_INDEX_KEY,
  type ListOrdersOptions,
  type OrderView,
} from './adapters/order-repository.js';
export {
  validateOrderRequest,
  orderRequestInput,
  isValidOrderId,
  type OrderRequestInput,
} from './order/validation.js';
export { ORDER_STATUSES, type OrderState, type OrderStatus, type Progress } from './order/state.js';
export type { TimelineEntry } from './order/timeline.js';
export { causalOrder } from './order/causal-order.js';
export type { StoredOrder } from './order/step.js';
