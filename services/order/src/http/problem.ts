import type { ValidationError } from '@saga/contracts';
import type { FastifyError, FastifyReply } from 'fastify';

/** RFC 9457 problem details. `errors` lists every invalid field, never the submitted values. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: ValidationError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

// Relative URI references (allowed by RFC 9457): stable identifiers clients can switch on.
export const ProblemTypes = {
  invalidRequest: '/problems/invalid-order-request',
  notFound: '/problems/order-not-found',
  badRequest: '/problems/bad-request',
  internal: '/problems/internal-error',
} as const;

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

export function invalidOrderRequest(errors: ValidationError[], instance?: string): Problem {
  return {
    type: ProblemTypes.invalidRequest,
    title: 'Invalid order request',
    status: 400,
    detail: `${errors.length} field${errors.length === 1 ? '' : 's'} failed validation`,
    ...(instance ? { instance } : {}),
    errors,
  };
}

export function orderNotFound(orderId: string): Problem {
  return {
    type: ProblemTypes.notFound,
    title: 'Order not found',
    status: 404,
    detail: 'No order with this id is known',
    instance: `/orders/${encodeURIComponent(orderId)}`,
  };
}

interface SchemaError {
  instancePath?: string;
  keyword: string;
  params?: Record<string, unknown>;
  message?: string;
}

/** Fastify's schema errors (ajv) in the same shape as the domain's, so clients see one error format. */
export function schemaErrors(err: FastifyError): ValidationError[] {
  const context = (err as { validationContext?: string }).validationContext ?? 'request';
  return ((err.validation ?? []) as SchemaError[]).map((v) => {
    const missing = v.params?.missingProperty;
    const path = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const field = typeof missing === 'string' ? (path ? `${path}.${missing}` : missing) : path || context;
    const code =
      v.keyword === 'required'
        ? 'REQUIRED'
        : ['minimum', 'maximum', 'maxLength', 'minLength'].includes(v.keyword)
          ? 'OUT_OF_RANGE'
          : 'INVALID_FORMAT';
    return { field, code, message: `${field} ${v.message ?? 'is invalid'}` };
  });
}

/**
 * Every error of the order API as problem+json: schema failures with their fields, client errors (bad JSON,
 * unsupported media type) with fastify's status, anything else as a 500 without internals.
 */
export function toProblem(err: FastifyError): Problem {
  if (err.validation) {
    const errors = schemaErrors(err);
    return { ...invalidOrderRequest(errors), type: ProblemTypes.badRequest, title: 'Invalid request' };
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return { type: ProblemTypes.badRequest, title: 'Bad request', status, detail: err.message };
  }
  return { type: ProblemTypes.internal, title: 'Internal error', status: 500, detail: 'The request failed' };
}
