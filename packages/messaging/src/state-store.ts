import type { Redis } from 'ioredis';
import type { SagaEvent } from '@saga/contracts';
import { ConcurrentModificationError } from './errors.js';
import { luaScript } from './lua.js';
import type { HandlerOutcome } from './handler.js';

/**
 * One aggregate per Redis hash: `state` (JSON), `rev`, and `out:<inputEventId>` = the events emitted for that input.
 * The write is a compare-and-set on `rev` that records state and outgoing events together, so a redelivered input
 * (after a crash between the write and the publish, or a plain duplicate) replays the very same events — same
 * eventIds — and never runs its side effect's bookkeeping twice. All fields of one key live in one hash slot.
 */
const COMMIT = `
local rev = redis.call('HGET', KEYS[1], 'rev') or '0'
if rev ~= ARGV[1] then return 0 end
if redis.call('HEXISTS', KEYS[1], 'out:' .. ARGV[3]) == 1 then return -1 end
redis.call('HSET', KEYS[1], 'rev', tostring(tonumber(rev) + 1), 'state', ARGV[2], 'out:' .. ARGV[3], ARGV[4])
return 1
`;

export interface Snapshot<S> {
  state: S | undefined;
  rev: string;
  /** Events already emitted for this input: replay them instead of deciding again. */
  replay: SagaEvent[] | undefined;
}

export type StepResult<S> =
  { kind: 'ignored'; reason: string } | { kind: 'changed'; state: S; events: SagaEvent[] };

export class RedisStateStore<S> {
  private readonly commitScript: (...args: (string | number)[]) => Promise<number>;

  constructor(private readonly redis: Redis) {
    this.commitScript = luaScript<number>(redis, 'sagaCommit', 1, COMMIT);
  }

  async load(key: string, inputEventId: string): Promise<Snapshot<S>> {
    const [rev, state, out] = await this.redis.hmget(key, 'rev', 'state', `out:${inputEventId}`);
    return {
      rev: rev ?? '0',
      state: state ? (JSON.parse(state) as S) : undefined,
      replay: out ? (JSON.parse(out) as SagaEvent[]) : undefined,
    };
  }

  async read(key: string): Promise<S | undefined> {
    const state = await this.redis.hget(key, 'state');
    return state ? (JSON.parse(state) as S) : undefined;
  }

  /** true when written; false when the input was already recorded by a concurrent run (caller replays). */
  async commit(
    key: string,
    rev: string,
    state: S,
    inputEventId: string,
    events: SagaEvent[],
  ): Promise<boolean> {
    const result = await this.commitScript(
      key,
      rev,
      JSON.stringify(state),
      inputEventId,
      JSON.stringify(events),
    );
    if (result === 0) throw new ConcurrentModificationError(key);
    return result === 1;
  }
}

const MAX_CONFLICTS = 5;

/**
 * Runs `step` at most once per input event, as far as the aggregate's state is concerned: a recorded input replays
 * its events; a concurrent writer makes the step run again on fresh state. Side effects inside `step` must be
 * idempotent by their own key (e.g. the gateway's idempotency key), since a crash can happen after them.
 */
export async function processOnce<S>(
  store: RedisStateStore<S>,
  key: string,
  inputEventId: string,
  step: (state: S | undefined) => Promise<StepResult<S>> | StepResult<S>,
): Promise<HandlerOutcome> {
  for (let conflict = 0; ; conflict++) {
    const snap = await store.load(key, inputEventId);
    if (snap.replay) return { kind: 'emit', events: snap.replay };
    const result = await step(snap.state);
    if (result.kind === 'ignored') return result;
    try {
      const written = await store.commit(key, snap.rev, result.state, inputEventId, result.events);
      if (written) return { kind: 'emit', events: result.events };
    } catch (err) {
      if (err instanceof ConcurrentModificationError && conflict < MAX_CONFLICTS) continue;
      throw err;
    }
  }
}
