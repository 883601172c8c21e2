import type { Redis } from 'ioredis';
import type { SagaEvent } from '@saga/contracts';
import { ConcurrentModificationError, ConstantPartChangedError } from './errors.js';
import { luaScript } from './lua.js';
import type { HandlerOutcome } from './handler.js';

/**
 * One aggregate per Redis hash: `state` (JSON), `rev`, and `out:<inputEventId>` = the events emitted for that input.
 * The write is a compare-and-set on `rev` that records state and outgoing events together, so a redelivered input
 * (after a crash between the write and the publish, or a plain duplicate) replays the very same events — same
 * eventIds — and never runs its side effect's bookkeeping twice. All fields of one key live in one hash slot.
 *
 * `const` (ARGV[8], sent only while it is not stored yet): see StateStoreOptions.constant.
 *
 * Retention (ARGV[5], 0 = none): after every commit the aggregate has at least that long left. Its expiry is set to
 * ARGV[7] (the retention plus a slack) only when less than the retention is left, so the steps of one saga set it
 * once instead of at every step: each PEXPIRE is a PEXPIREAT line in the AOF (7 % of it at 1,000 sagas/s). The log
 * (KEYS[2]) follows the aggregate: its expiry is set with the aggregate's, and when an APPEND creates it.
 *
 * Every key a command names is a lookup in Redis' key table and in its expiry table, and while Redis grows a table
 * each lookup also moves a bucket of it: the fewer commands, the cheaper a step and the lower the peak of such a
 * growth (BENCHMARKS.md). Hence one HMGET for `rev` and the recorded output, one HSET, and one PTTL per commit.
 */
const COMMIT = `
local seen = redis.call('HMGET', KEYS[1], 'rev', 'out:' .. ARGV[3])
local rev = seen[1] or '0'
if rev ~= ARGV[1] then return 0 end
if seen[2] then return -1 end
local nextRev = tostring(tonumber(rev) + 1)
if ARGV[8] ~= '' then
  redis.call('HSET', KEYS[1], 'rev', nextRev, 'state', ARGV[2], 'out:' .. ARGV[3], ARGV[4], 'const', ARGV[8])
else
  redis.call('HSET', KEYS[1], 'rev', nextRev, 'state', ARGV[2], 'out:' .. ARGV[3], ARGV[4])
end
local created = false
if KEYS[2] and ARGV[6] ~= '' then created = redis.call('APPEND', KEYS[2], ARGV[6]) == #ARGV[6] end
if ARGV[5] ~= '0' then
  if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then
    for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ARGV[7]) end
  elseif created then
    redis.call('PEXPIRE', KEYS[2], ARGV[7])
  end
end
return 1
`;

/** How much longer than the retention a key may live: a tenth of it, so an expiry is refreshed at most that often. */
export function retentionSlackMs(retentionMs: number): number {
  return Math.ceil(retentionMs / 10);
}

export interface Snapshot<S> {
  state: S | undefined;
  rev: string;
  /** Events already emitted for this input: replay them instead of deciding again. */
  replay: SagaEvent[] | undefined;
  /** The stored constant part's JSON (see StateStoreOptions.constant), if any: a commit does not write it again. */
  constantJson?: string;
}

/** A part of the state that never changes once written, and the rest (see StateStoreOptions.constant). */
export interface ConstantSplit<S> {
  rest: S;
  constant?: unknown;
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
   * How long an aggregate (and its log) is kept at least after its last write (at most a tenth longer, see
   * `retentionSlackMs`); 0 or unset keeps it forever. Its recorded
   * outputs are what makes a redelivered input replay instead of running again, so keep it at least as long as
   * the topics keep their records (see SAGA_RETENTION_S).
   */
  retentionMs?: number;
  /**
   * A part of the state that never changes once it is there (the order's details): kept in its own hash field,
   * written by the first commit that has it, and joined back on every read. Every step rewrites the rest of the
   * state whole, so without this each step wrote those details again (into the AOF too). A step that changes the
   * part (or drops it) after it was stored fails with ConstantPartChangedError: a bug in the step, not a state to keep.
   */
  constant?: {
    split: (state: S) => ConstantSplit<S>;
    join: (rest: S, constant: unknown) => S;
  };
}

export class RedisStateStore<S> {
  private readonly commitScript: (...args: (string | number)[]) => Promise<number>;
  private readonly decode: (stored: unknown) => S;
  private readonly retention: number;
  private readonly expireMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly opts: StateStoreOptions<S> = {},
  ) {
    this.commitScript = opts.logKey
      ? luaScript<number>(redis, 'sagaCommitWithLog', 2, COMMIT)
      : luaScript<number>(redis, 'sagaCommit', 1, COMMIT);
    this.decode = opts.decode ?? ((stored) => stored as S);
    this.retention = Math.max(0, Math.round(opts.retentionMs ?? 0));
    this.expireMs = this.retention + retentionSlackMs(this.retention);
  }

  async load(key: string, inputEventId: string): Promise<Snapshot<S>> {
    const [rev, state, out, constant] = await this.redis.hmget(
      key,
      'rev',
      'state',
      `out:${inputEventId}`,
      ...(this.opts.constant ? ['const'] : []),
    );
    return {
      rev: rev ?? '0',
      state: this.parse(state, constant),
      replay: out ? (JSON.parse(out) as SagaEvent[]) : undefined,
      ...(constant ? { constantJson: constant } : {}),
    };
  }

  async read(key: string): Promise<S | undefined> {
    if (!this.opts.constant) return this.parse(await this.redis.hget(key, 'state'));
    const [state, constant] = await this.redis.hmget(key, 'state', 'const');
    return this.parse(state, constant);
  }

  private parse(state: string | null | undefined, constant?: string | null): S | undefined {
    if (!state) return undefined;
    const rest = this.decode(JSON.parse(state));
    return constant && this.opts.constant ? this.opts.constant.join(rest, JSON.parse(constant)) : rest;
  }

  /** The aggregate's state and its log (empty when it has none), read in one transaction: from the same commit. */
  async readWithLog(key: string): Promise<{ state: S; log: string } | undefined> {
    const logKey = this.opts.logKey?.(key);
    if (!logKey) {
      const state = await this.read(key);
      return state === undefined ? undefined : { state, log: '' };
    }
    const replies = await this.redis.multi().hmget(key, 'state', 'const').get(logKey).exec();
    const [stateReply, logReply] = replies ?? [];
    const err = stateReply?.[0] ?? logReply?.[0];
    if (err) throw err;
    const [state, constant] = (stateReply?.[1] ?? []) as (string | null)[];
    const log = logReply?.[1];
    const parsed = this.parse(state, constant);
    if (parsed === undefined) return undefined;
    return { state: parsed, log: typeof log === 'string' ? log : '' };
  }

  /**
   * true when written; false when the input was already recorded by a concurrent run (caller replays).
   * `storedConstantJson`: the constant part as loaded with `rev` (Snapshot.constantJson), so it is not sent again.
   */
  async commit(
    key: string,
    rev: string,
    state: S,
    inputEventId: string,
    events: SagaEvent[],
    append = '',
    storedConstantJson?: string,
  ): Promise<boolean> {
    const logKey = this.opts.logKey?.(key);
    if (append !== '' && !logKey) throw new Error(`state store for ${key} has no log to append to`);
    const { stateJson, constantJson } = this.serialize(key, state, storedConstantJson);
    const eventsJson = JSON.stringify(events);
    const tail = [this.retention, append, this.expireMs, constantJson] as const;
    const result = logKey
      ? await this.commitScript(key, logKey, rev, stateJson, inputEventId, eventsJson, ...tail)
      : await this.commitScript(key, rev, stateJson, inputEventId, eventsJson, ...tail);
    if (result === 0) throw new ConcurrentModificationError(key);
    return result === 1;
  }

  /** The state's JSON without its constant part, and that part's JSON when it is not stored yet ('' otherwise). */
  private serialize(key: string, state: S, stored?: string): { stateJson: string; constantJson: string } {
    if (!this.opts.constant) return { stateJson: JSON.stringify(state), constantJson: '' };
    const { rest, constant } = this.opts.constant.split(state);
    const stateJson = JSON.stringify(rest);
    // Dropped after it was stored: reads would join it back to a state that no longer has it.
    if (constant === undefined && stored !== undefined) throw new ConstantPartChangedError(key);
    if (constant === undefined) return { stateJson, constantJson: '' };
    const constantJson = JSON.stringify(constant);
    if (stored === undefined) return { stateJson, constantJson };
    if (constantJson !== stored) throw new ConstantPartChangedError(key);
    return { stateJson, constantJson: '' };
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
        snap.constantJson,
      );
      if (written) return { kind: 'emit', events: result.events };
    } catch (err) {
      if (err instanceof ConcurrentModificationError && conflict < MAX_CONFLICTS) continue;
      throw err;
    }
  }
}
