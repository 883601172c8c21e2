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
if KEYS[2] and ARGV[6] ~= '' then redis.call('APPEND', KEYS[2], ARGV[6]) end
if ARGV[5] ~= '0' then
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  if KEYS[2] then redis.call('PEXPIRE', KEYS[2], ARGV[5]) end
end
return 1
`;

export interface Snapshot<S> {
  state: S | undefined;
  rev: string;
  /** Events already emitted for this input: replay them instead of deciding again. */
  replay: SagaEvent[] | undefined;
}

export type StepResult<S> =
  | { kind: 'ignored'; reason: string }
  /** `append`: text added to the aggregate's log (see RedisStateStore), in the same compare-and-set. */
  | { kind: 'changed'; state: S; events: SagaEvent[]; append?: string };

export interface StateStoreOptions<S> {
  /**
   * An append-only log beside each aggregate (the order's timeline), in the same hash slot: `logKey(key)`. Written
   * with APPEND in the commit, so a step adds only its own lines instead of rewriting a history that grows with
   * every step (in the state JSON, the timeline was most of what every commit wrote and the AOF kept); never read
   * on the step's path.
   */
  logKey?: (key: string) => string;
  /** Turns the stored JSON into the state (e.g. from an older layout); the parsed value as is by default. */
  decode?: (stored: unknown) => S;
  /**
   * How long an aggregate (and its log) is kept after its last write; 0 or unset keeps it forever. Its recorded
   * outputs are what makes a redelivered input replay instead of running again, so keep it at least as long as
   * the topics keep their records (see SAGA_RETENTION_S).
   */
  retentionMs?: number;
}

export class RedisStateStore<S> {
  private readonly commitScript: (...args: (string | number)[]) => Promise<number>;
  private readonly decode: (stored: unknown) => S;
  private readonly retention: number;

  constructor(
    private readonly redis: Redis,
    private readonly opts: StateStoreOptions<S> = {},
  ) {
    this.commitScript = opts.logKey
      ? luaScript<number>(redis, 'sagaCommitWithLog', 2, COMMIT)
      : luaScript<number>(redis, 'sagaCommit', 1, COMMIT);
    this.decode = opts.decode ?? ((stored) => stored as S);
    this.retention = Math.max(0, Math.round(opts.retentionMs ?? 0));
  }

  async load(key: string, inputEventId: string): Promise<Snapshot<S>> {
    const [rev, state, out] = await this.redis.hmget(key, 'rev', 'state', `out:${inputEventId}`);
    return {
      rev: rev ?? '0',
      state: state ? this.decode(JSON.parse(state)) : undefined,
      replay: out ? (JSON.parse(out) as SagaEvent[]) : undefined,
    };
  }

  async read(key: string): Promise<S | undefined> {
    const state = await this.redis.hget(key, 'state');
    return state ? this.decode(JSON.parse(state)) : undefined;
  }

  /** The aggregate's state and its log (empty when it has none), read in one transaction: from the same commit. */
  async readWithLog(key: string): Promise<{ state: S; log: string } | undefined> {
    const logKey = this.opts.logKey?.(key);
    if (!logKey) {
      const state = await this.read(key);
      return state === undefined ? undefined : { state, log: '' };
    }
    const replies = await this.redis.multi().hget(key, 'state').get(logKey).exec();
    const [stateReply, logReply] = replies ?? [];
    const err = stateReply?.[0] ?? logReply?.[0];
    if (err) throw err;
    const state = stateReply?.[1];
    const log = logReply?.[1];
    if (typeof state !== 'string') return undefined;
    return { state: this.decode(JSON.parse(state)), log: typeof log === 'string' ? log : '' };
  }

  /** true when written; false when the input was already recorded by a concurrent run (caller replays). */
  async commit(
    key: string,
    rev: string,
    state: S,
    inputEventId: string,
    events: SagaEvent[],
    append = '',
  ): Promise<boolean> {
    const logKey = this.opts.logKey?.(key);
    if (append !== '' && !logKey) throw new Error(`state store for ${key} has no log to append to`);
    const stateJson = JSON.stringify(state);
    const eventsJson = JSON.stringify(events);
    const result = logKey
      ? await this.commitScript(key, logKey, rev, stateJson, inputEventId, eventsJson, this.retention, append)
      : await this.commitScript(key, rev, stateJson, inputEventId, eventsJson, this.retention);
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
      const written = await store.commit(
        key,
        snap.rev,
        result.state,
        inputEventId,
        result.events,
        result.append,
      );
      if (written) return { kind: 'emit', events: result.events };
    } catch (err) {
      if (err instanceof ConcurrentModificationError && conflict < MAX_CONFLICTS) continue;
      throw err;
    }
  }
}
