import { ORDER_STATUSES } from '../order/state.js';

/** Largest page of `GET /orders`: the listing reads one hash per order. */
export const MAX_LIST_LIMIT = 500;
export const DEFAULT_LIST_LIMIT = 50;

/**
 * Only the body's shape is checked here: the field rules are the domain's (`validateOrderRequest`), so the API and
 * the Kafka entry point accept exactly the same requests and a 400 lists every problem at once. Properties are
 * declared for documentation without types, so ajv neither coerces ("5" stays a string) nor stops at the first.
 */
export const createOrderBody = {
  type: 'object',
  properties: {
    orderId: {},
    customerId: {},
    sku: {},
    quantity: {},
    amount: {},
    currency: {},
    paymentToken: {},
    shippingAddress: {},
  },
} as const;

export const acceptedResponse = {
  type: 'object',
  properties: { orderId: { type: 'string' }, status: { type: 'string' } },
  required: ['orderId', 'status'],
} as const;

export const orderParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['id'],
} as const;

export const listQuery = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: [...ORDER_STATUSES] },
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIST_LIMIT, default: DEFAULT_LIST_LIMIT },
  },
} as const;
