import { messageKey, topicOf, type SagaEvent } from '@saga/contracts';
import type { BatchSender } from './producer.js';
import type { TraceContextHeaders } from './tracing.js';

/** Encodes events to the registry's wire format; the runtime never sees Avro. */
export interface EventCodec {
  encode(event: SagaEvent): Promise<Buffer>;
  decode(bytes: Buffer): Promise<SagaEvent>;
}

export interface OutboundRecord {
  topic: string;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

export const Headers = {
  eventType: 'saga-event-type',
  eventId: 'saga-event-id',
  orderId: 'saga-order-id',
  correlationId: 'saga-correlation-id',
} as const;

/** `trace`: the W3C headers of the span that produced the events, so the next hop continues the same trace. */
export async function toOutboundRecords(
  codec: EventCodec,
  events: readonly SagaEvent[],
  trace: TraceContextHeaders = {},
): Promise<OutboundRecord[]> {
  return Promise.all(
    events.map(async (event) => ({
      topic: topicOf(event.type),
      key: messageKey(event.metadata.orderId),
      value: await codec.encode(event),
      headers: {
        [Headers.eventType]: event.type,
        [Headers.eventId]: event.metadata.eventId,
        [Headers.orderId]: event.metadata.orderId,
        [Headers.correlationId]: event.metadata.correlationId,
        ...trace,
      },
    })),
  );
}

/** Kept under the broker's default `max.message.bytes` (1 MiB) with room for batch and record overhead. */
export const MAX_REQUEST_BYTES = 768 * 1024;

const sizeOf = (r: OutboundRecord): number => {
  let n = 64 + r.value.length + (r.key?.length ?? 0);
  for (const k in r.headers) n += k.length + (r.headers[k]?.length ?? 0) + 8;
  return n;
};

/**
 * Splits records into requests of at most `maxBytes` each, keeping their order (so per key the order holds across
 * requests sent one after another). A batch's output can be larger than its input (events carry the order forward):
 * one request per batch would sooner or later exceed the broker's limit, a non-retriable error.
 */
export function chunkRecords(
  records: readonly OutboundRecord[],
  maxBytes = MAX_REQUEST_BYTES,
): OutboundRecord[][] {
  const chunks: OutboundRecord[][] = [];
  let current: OutboundRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = sizeOf(r);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Resolves only when every record is acknowledged by all in-sync replicas; requests stay under the size limit. */
export async function sendRecords(producer: BatchSender, records: readonly OutboundRecord[]): Promise<void> {
  for (const chunk of chunkRecords(records)) {
    const byTopic = new Map<
      string,
      { key: string | null; value: Buffer; headers: Record<string, string> }[]
    >();
    for (const r of chunk) {
      let list = byTopic.get(r.topic);
      if (!list) byTopic.set(r.topic, (list = []));
      list.push({ key: r.key, value: r.value, headers: r.headers });
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }
}

/** How long queued output waits at most for the other batches of its round (a slow handler must not hold it). */
export const MAX_ROUND_HOLD_MS = 10;

/** A batch's place in the current round's request: `send` queues its output, `release` says it has none. */
export interface RoundSlot {
  send(records: readonly OutboundRecord[]): Promise<void>;
  /** Idempotent; `send` releases too. */
  release(): void;
}

/**
 * Coalesces the output of batches processed at the same time (one per partition) into shared produce requests, like
 * a group commit. Batches of one fetch round take a `slot()` each: their output waits until every open slot has
 * queued or been released (at most `maxHoldMs`), so a round's output is one request instead of one per batch that
 * happened to finish while the previous request was in flight — the round ends with its slowest batch anyway. Output
 * without a slot (retries) goes out as soon as no slot is open. While a request is in flight, everything that
 * arrives meanwhile waits and goes out together right after it. One request at a time keeps the records of one key
 * in order. Each caller still waits for its own records to be acknowledged before committing its offsets.
 */
export class CoalescingSender {
  private queue: { records: readonly OutboundRecord[]; done: (err?: Error) => void }[] = [];
  private scheduled = false;
  private inFlight = false;
  private open = 0;
  private holdTimer: NodeJS.Timeout | undefined;
  private holdExpired = false;

  /** `send` resolves once every record is acknowledged (e.g. `sendRecords` with a producer). */
  constructor(
    private readonly sendAll: (records: OutboundRecord[]) => Promise<void>,
    private readonly maxHoldMs = MAX_ROUND_HOLD_MS,
  ) {}

  send(records: readonly OutboundRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, done: (err) => (err ? reject(err) : resolve()) });
      this.schedule();
    });
  }

  /** Opens a slot for one batch of a round; its output is held back until the round's other slots close. */
  slot(): RoundSlot {
    this.open++;
    let closed = false;
    const release = (): void => {
      if (closed) return;
      closed = true;
      this.open--;
      this.schedule();
    };
    return {
      send: (records) => {
        const sent = this.send(records);
        release();
        return sent;
      },
      release,
    };
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight || this.queue.length === 0) return;
    if (this.open > 0 && !this.holdExpired) {
      this.holdTimer ??= setTimeout(() => {
        this.holdExpired = true;
        this.schedule();
      }, this.maxHoldMs);
      return;
    }
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.holdExpired = false;
    const taken = this.queue;
    this.queue = [];
    this.inFlight = true;
    try {
      await this.sendAll(taken.flatMap((t) => t.records));
      for (const t of taken) t.done();
    } catch (err) {
      const error = err instanceof Error ? err : new Error('produce failed', { cause: err });
      for (const t of taken) t.done(error);
    } finally {
      this.inFlight = false;
      this.schedule();
    }
  }
}
