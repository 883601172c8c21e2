import type { Redis } from 'ioredis';
import type { SagaEvent } from '@saga/contracts';
import {
  ConcurrentModificationError,
  emit,
  ignored,
  luaScript,
  RedisStateStore,
  type HandlerOutcome,
} from '@saga/messaging';
import type { Decision, Outcome } from '../reservation/decide.js';
import type { ReservationState } from '../reservation/state.js';
import { reservationKey, stockKey } from './keys.js';

/*
 * Both scripts keep the reservation hash in RedisStateStore's layout (`rev`, `state`, `out:<inputEventId>`), so a
 * redelivered input replays its recorded events, and a concurrent writer (rev moved) makes the caller decide again.
 * KEYS[1] = stock hash, KEYS[2] = reservation hash; both carry the SKU's hash tag (one slot). The last ARGV is the
 * reservation's retention in ms ('0' keeps it), as RedisStateStore's; the stock hash never expires.
 */
const PRELUDE = `
local seen = redis.call('HMGET', KEYS[2], 'out:' .. ARGV[2], 'rev')
if seen[1] then return {'replay', seen[1]} end
local rev = seen[2] or '0'
if rev ~= ARGV[1] then return {'conflict', ''} end
local q = tonumber(ARGV[3])
local function record(outcome, state, events)
  redis.call('HSET', KEYS[2], 'rev', tostring(tonumber(rev) + 1), 'state', state, 'out:' .. ARGV[2], events)
  if ARGV[#ARGV] ~= '0' then redis.call('PEXPIRE', KEYS[2], ARGV[#ARGV]) end
  return {outcome, events}
end
`;

/** ARGV: rev, inputEventId, quantity, then state/events for reserved, outOfStock, unknownSku, then retention. */
const RESERVE = `${PRELUDE}
if redis.call('EXISTS', KEYS[1]) == 0 then return record('unknownSku', ARGV[8], ARGV[9]) end
local available = tonumber(redis.call('HGET', KEYS[1], 'available') or '0')
if available < q then return record('outOfStock', ARGV[6], ARGV[7]) end
redis.call('HINCRBY', KEYS[1], 'available', -q)
redis.call('HINCRBY', KEYS[1], 'reserved', q)
return record('reserved', ARGV[4], ARGV[5])
`;

/** ARGV: rev, inputEventId, quantity, state, events, retention. Guarded by the reservation state, so it runs once per order. */
const RELEASE = `${PRELUDE}
redis.call('HINCRBY', KEYS[1], 'available', q)
local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
redis.call('HSET', KEYS[1], 'reserved', tostring(math.max(reserved - q, 0)))
return record('released', ARGV[4], ARGV[5])
`;

type ScriptReply = [outcome: string, events: string];

const MAX_CONFLICTS = 5;

/** Runs inventory decisions at most once per input event, moving stock atomically with the recorded outcome. */
export class ReservationRepository {
  private readonly store: RedisStateStore<ReservationState>;
  private readonly reserve: (...args: (string | number)[]) => Promise<ScriptReply>;
  private readonly release: (...args: (string | number)[]) => Promise<ScriptReply>;

  constructor(
    redis: Redis,
    private readonly retentionMs = 0,
  ) {
    this.store = new RedisStateStore<ReservationState>(redis, { retentionMs });
    this.reserve = luaScript<ScriptReply>(redis, 'inventoryReserve', 2, RESERVE);
    this.release = luaScript<ScriptReply>(redis, 'inventoryRelease', 2, RELEASE);
  }

  read(sku: string, orderId: string): Promise<ReservationState | undefined> {
    return this.store.read(reservationKey(sku, orderId));
  }

  async process(
    sku: string,
    orderId: string,
    inputEventId: string,
    decideOn: (state: ReservationState | undefined) => Decision,
  ): Promise<HandlerOutcome> {
    const key = reservationKey(sku, orderId);
    for (let conflict = 0; conflict <= MAX_CONFLICTS; conflict++) {
      const snap = await this.store.load(key, inputEventId);
      if (snap.replay) return emit(...snap.replay);
      const decision = decideOn(snap.state);
      const reply = await this.apply(sku, key, snap.rev, inputEventId, decision);
      if (reply.kind === 'done') return reply.outcome;
      // 'retry': the aggregate moved under us (or the input got recorded meanwhile); load again and re-decide.
    }
    throw new ConcurrentModificationError(key);
  }

  private async apply(
    sku: string,
    key: string,
    rev: string,
    inputEventId: string,
    decision: Decision,
  ): Promise<{ kind: 'done'; outcome: HandlerOutcome } | { kind: 'retry' }> {
    switch (decision.kind) {
      case 'ignored':
        return { kind: 'done', outcome: ignored(decision.reason) };
      case 'record':
        try {
          const { state, events } = decision.outcome;
          const written = await this.store.commit(key, rev, state, inputEventId, events);
          return written ? { kind: 'done', outcome: emit(...events) } : { kind: 'retry' };
        } catch (err) {
          if (err instanceof ConcurrentModificationError) return { kind: 'retry' };
          throw err;
        }
      case 'reserve': {
        const { reserved, outOfStock, unknownSku } = decision;
        const reply = await this.reserve(
          stockKey(sku),
          key,
          rev,
          inputEventId,
          decision.quantity,
          ...flat(reserved),
          ...flat(outOfStock),
          ...flat(unknownSku),
          this.retentionMs,
        );
        return fromReply(reply);
      }
      case 'release': {
        const args = [
          stockKey(sku),
          key,
          rev,
          inputEventId,
          decision.quantity,
          ...flat(decision.outcome),
          this.retentionMs,
        ];
        return fromReply(await this.release(...args));
      }
      default: {
        const unreachable: never = decision;
        return unreachable;
      }
    }
  }
}

function flat(outcome: Outcome): [string, string] {
  return [JSON.stringify(outcome.state), JSON.stringify(outcome.events)];
}

function fromReply([outcome, events]: ScriptReply):
  { kind: 'done'; outcome: HandlerOutcome } | { kind: 'retry' } {
  if (outcome === 'conflict') return { kind: 'retry' };
  return { kind: 'done', outcome: emit(...(JSON.parse(events) as SagaEvent[])) };
}
