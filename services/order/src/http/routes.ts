import { randomUUID } from 'node:crypto';
import type { OrderRequested, ShippingAddress } from '@saga/contracts';
import { TraceHeaders, type ServiceDeps, type TraceContextHeaders } from '@saga/messaging';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { listOrders, readOrder } from '../adapters/order-repository.js';
import type { OrderStatus } from '../order/state.js';
import { isValidOrderId, validateOrderRequest, type OrderRequestInput } from '../order/validation.js';
import { invalidOrderRequest, orderNotFound, sendProblem, toProblem } from './problem.js';
import { acceptedResponse, createOrderBody, listQuery, orderParams } from './schemas.js';

/**
 * Marks an orderId whose request was published but may not be consumed yet, so a client's retry in that window
 * does not publish a second OrderRequested. The saga would dedupe it anyway (the orderId is the idempotency key);
 * this only keeps the log clean. Same hash tag as the order. Expires: after that the order itself answers.
 */
export const requestedKey = (orderId: string): string => `ord:{${orderId}}:requested`;
const REQUESTED_TTL_S = 24 * 60 * 60;

/** The fields the domain knows, picked one by one: nothing else from the body reaches the event. */
function inputOf(body: Record<string, unknown>, orderId: unknown): OrderRequestInput {
  const { customerId, sku, quantity, amount, currency, paymentToken, shippingAddress } = body;
  return { orderId, customerId, sku, quantity, amount, currency, paymentToken, shippingAddress };
}

/** Only called after `validateOrderRequest` found nothing: the casts are what the validator proved. */
function orderRequestedOf(input: OrderRequestInput, orderId: string, deps: ServiceDeps): OrderRequested {
  const a = input.shippingAddress as ShippingAddress;
  return {
    type: 'OrderRequested',
    metadata: {
      eventId: deps.ids.next(),
      orderId,
      correlationId: orderId,
      causationId: null,
      occurredAt: deps.clock.now(),
      producer: 'order-api',
      attempt: 1,
    },
    customerId: input.customerId as string,
    sku: input.sku as string,
    quantity: input.quantity as number,
    amount: input.amount as number,
    currency: input.currency as string,
    paymentToken: input.paymentToken as string,
    shippingAddress: {
      recipient: a.recipient,
      line1: a.line1,
      line2: a.line2 ?? null,
      city: a.city,
      postalCode: a.postalCode,
      country: a.country,
    },
  };
}

/** The caller's W3C trace context, if any: the saga's trace then starts under the client's span. */
function traceOf(req: FastifyRequest): TraceContextHeaders {
  const tp = req.headers[TraceHeaders.traceparent];
  const ts = req.headers[TraceHeaders.tracestate];
  return {
    ...(typeof tp === 'string' ? { traceparent: tp } : {}),
    ...(typeof ts === 'string' ? { tracestate: ts } : {}),
  };
}

const location = (orderId: string) => `/orders/${encodeURIComponent(orderId)}`;

/** The order service's HTTP API. Never logs or echoes the request body (it carries the payment token). */
export function orderRoutes(app: FastifyInstance, deps: ServiceDeps): void {
  void app.register((api, _opts, done) => {
    api.setErrorHandler((err: FastifyError, _req, reply) => {
      const problem = toProblem(err);
      if (problem.status >= 500) deps.logger.error({ code: err.code, msg: err.message }, 'order API failed');
      return sendProblem(reply, problem);
    });

    api.post(
      '/orders',
      { schema: { body: createOrderBody, response: { 202: acceptedResponse } } },
      async (req, reply) => {
        const body = req.body as Record<string, unknown>;
        const orderId = body.orderId ?? randomUUID();
        const input = inputOf(body, orderId);
        const errors = validateOrderRequest(input);
        if (errors.length > 0) return sendProblem(reply, invalidOrderRequest(errors, '/orders'));
        const id = orderId as string;
        // A known orderId is the same order: answer as for the first request and publish nothing.
        const known = (await readOrder(deps.redis, id)) !== undefined;
        if (!known && (await deps.redis.set(requestedKey(id), '1', 'EX', REQUESTED_TTL_S, 'NX')) === 'OK') {
          try {
            await deps.publish([orderRequestedOf(input, id, deps)], traceOf(req));
          } catch (err) {
            // Not published: a retry of the client must be able to publish.
            await deps.redis.del(requestedKey(id)).catch(() => undefined);
            throw err;
          }
        }
        return reply.code(202).header('location', location(id)).send({ orderId: id, status: 'accepted' });
      },
    );

    api.get<{ Params: { id: string } }>(
      '/orders/:id',
      { schema: { params: orderParams } },
      async (req, reply) => {
        const { id } = req.params;
        const view = isValidOrderId(id) ? await readOrder(deps.redis, id) : undefined;
        if (!view) return sendProblem(reply, orderNotFound(id));
        return reply.send({ ...view.state, timeline: view.timeline });
      },
    );

    api.get<{ Querystring: { status?: OrderStatus; limit: number } }>(
      '/orders',
      { schema: { querystring: listQuery } },
      async (req) => {
        const { status, limit } = req.query;
        const orders = await listOrders(deps.redis, { limit, ...(status ? { status } : {}) });
        return { orders };
      },
    );
    done();
  });
}
