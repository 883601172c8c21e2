import type { Logger } from './logger.js';

export interface CommitOffset {
  topic: string;
  partition: number;
  /** The next offset to read (the last processed offset + 1), as Kafka stores it. */
  offset: string;
}

export const DEFAULT_COMMIT_INTERVAL_MS = 200;

/** `offsets` grouped by topic, as kafkajs' batch payload takes them. */
export function byTopic(offsets: readonly CommitOffset[]): {
  topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
} {
  const topics = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, offset } of offsets) {
    const partitions = topics.get(topic) ?? [];
    partitions.push({ partition, offset });
    topics.set(topic, partitions);
  }
  return { topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) };
}

/**
 * Commits processed offsets of all partitions in one request per interval, one request at a time. Offsets are
 * handed in only once the batch's output is acknowledged, so a crash replays at most an interval of work, which
 * the idempotent handlers absorb (same eventIds, no second effect).
 */
export class OffsetCommitter {
  private readonly pending = new Map<string, CommitOffset>();
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly commit: (offsets: CommitOffset[]) => Promise<void>,
    private readonly intervalMs: number,
    private readonly log: Pick<Logger, 'warn'>,
  ) {}

  /** `lastOffset` of a batch whose output is acknowledged; offsets of one partition only move forward. */
  acked(topic: string, partition: number, lastOffset: string): void {
    this.keep({ topic, partition, offset: (BigInt(lastOffset) + 1n).toString() });
  }

  /** Holds `o` for the next commit unless a later offset of its partition is already held. */
  private keep(o: CommitOffset): void {
    const key = `${o.topic}\u0000${o.partition}`;
    const current = this.pending.get(key);
    if (current && BigInt(current.offset) >= BigInt(o.offset)) return;
    this.pending.set(key, o);
  }

  /** Forgets what is not committed yet (after a rebalance those partitions may belong to another member). */
  reset(): void {
    this.pending.clear();
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.flush().catch((err: unknown) =>
        this.log.warn({ err }, 'offset commit failed; the next interval retries it'),
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Commits everything acked so far; waits for a commit already in flight first (one request at a time). `via`
   * sends this one request another way (the drain's: see the event processor).
   */
  async flush(via: (offsets: CommitOffset[]) => Promise<void> = this.commit): Promise<void> {
    while (this.inFlight) await this.inFlight.catch(() => undefined);
    if (this.pending.size === 0) return;
    const offsets = [...this.pending.values()];
    this.pending.clear();
    this.inFlight = via(offsets)
      .catch((err: unknown) => {
        // Put them back unless a newer offset was acked meanwhile: nothing acked is ever skipped.
        for (const o of offsets) this.keep(o);
        throw err;
      })
      .finally(() => (this.inFlight = undefined));
    await this.inFlight;
  }
}
