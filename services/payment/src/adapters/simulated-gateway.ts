import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { SagaError, type IdGenerator } from '@saga/contracts';
import { luaScript } from '@saga/messaging';
import type {
  AuthorizeRequest,
  AuthorizeResult,
  CaptureRequest,
  CaptureResult,
  PaymentGateway,
  RefundRequest,
  RefundResult,
  VoidRequest,
  VoidResult,
} from '../payment/gateway.js';
import {
  authorizeLatencyMs,
  behaviourOf,
  simulateAuthorize,
  simulateCapture,
  simulateRefund,
  simulateVoid,
  type GatewayMemory,
  type SimOutcome,
} from './test-tokens.js';

type Operation = 'authorize' | 'capture' | 'void' | 'refund';

/** The simulated gateway's memory of one order; same hash tag as the payment aggregate (pay:{orderId}). */
export const gatewayKey = (orderId: string): string => `gw:{${orderId}}`;

/**
 * First answer wins: a concurrent or repeated call returns the answer recorded first (the idempotency key). Like
 * a real gateway's idempotency keys, the memory expires (ARGV[3] ms after the last answer; '0' keeps it).
 */
const RECORD_ONCE = `
local first = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1
if ARGV[3] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
if first then return ARGV[2] end
return redis.call('HGET', KEYS[1], ARGV[1])
`;

/**
 * One call's look at the gateway's memory, in one round trip: the answer recorded for the operation, or else the
 * attempt (counted) and what the simulation reads. Remembers the card (ARGV[2]; '' for none) on the first call that
 * brings one. It was four commands, three of them one after another: with two operations per saga, the simulated
 * gateway alone sent ~9 of the ~31 Redis commands of a saga. Inside the script, one HMGET reads all it needs
 * (each command is a lookup of the key, see RedisStateStore's COMMIT).
 */
const BEGIN = `
local m = redis.call('HMGET', KEYS[1], 'token', 'recovered', 'result:authorize', 'result:capture', 'result:void',
  'result:' .. ARGV[1])
if ARGV[2] ~= '' and not m[1] then
  redis.call('HSET', KEYS[1], 'token', ARGV[2])
  m[1] = ARGV[2]
end
if m[6] then return {m[6]} end
local attempt = redis.call('HINCRBY', KEYS[1], 'attempts:' .. ARGV[1], 1)
return {false, attempt, m[1], m[2], m[3], m[4], m[5]}
`;

type BeginReply = [recorded: string] | [null, attempt: number, ...memory: (string | null)[]];

/**
 * A deterministic stand-in for a card gateway, driven by test tokens (test-tokens.ts), its state in Redis so it
 * survives restarts and is shared by every payment instance. Each operation is idempotent by orderId + operation:
 * once answered, the same answer is returned forever; only unavailability is not recorded (it is worth retrying).
 */
export class SimulatedGateway implements PaymentGateway {
  private readonly recordOnce: (...args: (string | number)[]) => Promise<string>;
  private readonly begin: (...args: (string | number)[]) => Promise<BeginReply>;

  constructor(
    private readonly redis: Redis,
    private readonly ids: IdGenerator,
    private readonly retentionMs = 0,
  ) {
    this.recordOnce = luaScript<string>(redis, 'paymentGatewayRecordOnce', 1, RECORD_ONCE);
    this.begin = luaScript<BeginReply>(redis, 'paymentGatewayBegin', 1, BEGIN);
  }

  async authorize(request: AuthorizeRequest): Promise<AuthorizeResult> {
    const latency = authorizeLatencyMs(request.token);
    if (latency > 0) await delay(latency);
    // A real gateway keeps the card behind the authorization; so does this one (capture/refund triggers use it).
    const answer = await this.once(
      request.orderId,
      'authorize',
      (m) => simulateAuthorize(m.token ?? request.token, m.attempt, this.newId),
      request.token,
    );
    if (behaviourOf(request.token).kind === 'authorizeAnswerLost') {
      // Approved and recorded here, but the caller never hears it: a timeout after the gateway did the work.
      throw new SagaError('GATEWAY_UNAVAILABLE', 'payment gateway timed out (authorize)', true);
    }
    return answer;
  }

  capture(request: CaptureRequest): Promise<CaptureResult> {
    return this.once(request.orderId, 'capture', (m) => simulateCapture(m, this.newId));
  }

  void(request: VoidRequest): Promise<VoidResult> {
    return this.once(request.orderId, 'void', (m) => simulateVoid(m));
  }

  refund(request: RefundRequest): Promise<RefundResult> {
    return this.once(request.orderId, 'refund', (m) => simulateRefund(m, this.newId));
  }

  private readonly newId = (): string => this.ids.next();

  private async once<R>(
    orderId: string,
    op: Operation,
    simulate: (m: GatewayMemory) => SimOutcome<R>,
    cardToken = '',
  ): Promise<R> {
    const key = gatewayKey(orderId);
    const reply = await this.begin(key, op, cardToken);
    if (reply[0] !== null) return JSON.parse(reply[0]) as R;
    const [, attempt, token, recovered, authorize, capture, voided] = reply;
    const outcome = simulate({
      token: token ?? undefined,
      attempt,
      recovered: recovered === '1',
      authorize: parse<AuthorizeResult>(authorize),
      capture: parse<CaptureResult>(capture),
      void: parse<VoidResult>(voided),
    });
    switch (outcome.kind) {
      case 'unavailable':
        throw new SagaError(
          'GATEWAY_UNAVAILABLE',
          `payment gateway unavailable (${op}, attempt ${attempt})`,
          true,
        );
      case 'rejected':
        throw new SagaError('GATEWAY_REJECTED', `payment gateway rejected ${op}: ${outcome.message}`, false);
      case 'answer':
        return JSON.parse(
          await this.recordOnce(key, `result:${op}`, JSON.stringify(outcome.answer), this.retentionMs),
        ) as R;
      default: {
        const never: never = outcome;
        throw new Error(`unexpected outcome ${JSON.stringify(never)}`);
      }
    }
  }
}

function parse<T>(json: string | null | undefined): T | undefined {
  return json ? (JSON.parse(json) as T) : undefined;
}

/** Tells the simulated gateway that its outage for this order is over (tok_refund_outage). Used by the CLI and tests. */
export async function recoverGateway(redis: Redis, orderId: string): Promise<void> {
  await redis.hset(gatewayKey(orderId), 'recovered', '1');
}
