import type { Producer, ProducerBatch, RecordMetadata } from 'kafkajs';
import type { Kafka } from './kafka.js';
import type { Logger } from './logger.js';
import { JavaCompatiblePartitioner } from './partitioner.js';

/** What publishing needs from a producer; a kafkajs producer is one, so is a `ManagedProducer`. */
export interface BatchSender {
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>;
}

/**
 * Broker answers meaning the idempotence state of this producer id is out of step with the log, for good: every
 * later request under the same id gets the same answer. kafkajs gives up on them (not retriable) but keeps the id and
 * its sequence numbers, so without a new producer nothing this process publishes would ever get through again.
 *
 * How it happens: a request is appended but its answer is lost (the broker is SIGKILLed, a request times out), kafkajs
 * winds its sequence numbers back, and the next request carries other records under the same numbers.
 */
export const PRODUCER_STATE_LOST = [
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
] as const;
export type ProducerStateLost = (typeof PRODUCER_STATE_LOST)[number];

const isStateLost = (type: unknown): type is ProducerStateLost =>
  PRODUCER_STATE_LOST.includes(type as ProducerStateLost);

/** The broker error type behind `err`, if it is one of `PRODUCER_STATE_LOST` (kafkajs wraps it in `cause`). */
export function producerStateLost(err: unknown): ProducerStateLost | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    const { type, cause, errors } = e as { type?: unknown; cause?: unknown; errors?: unknown };
    if (isStateLost(type)) return type;
    queue.push(cause);
    if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
  }
  return undefined;
}

/**
 * An idempotent producer that never sends again under a producer id whose sequence numbers may be out of step with
 * the log. kafkajs winds its numbers back after any failed request, even one the broker appended (the answer was
 * lost). The next batch then either gets OUT_OF_ORDER_SEQUENCE_NUMBER forever or, worse, has the same size as the
 * appended one, is taken for its duplicate, acknowledged and silently dropped (`producer-recovery.int.spec.ts` shows
 * both against the real broker). So after any failed send the producer is retired and the next send starts a new
 * one, with a new id and fresh numbers, as the Java client resets an idempotent producer with unresolved batches.
 *
 * A send refused for lost sequence state was not appended; it is sent once more through the new producer. Any other
 * failure is the caller's to retry. Either way, records may then be in the log twice: consumers deduplicate by event
 * id, as after any retry.
 */
export class ManagedProducer implements BatchSender {
  private current: Promise<Producer> | undefined;
  /** Sends under way per producer: one that is no longer current is closed when its last send settles. */
  private readonly inFlight = new Map<Promise<Producer>, number>();
  private replacements = 0;

  constructor(
    private readonly create: () => Producer,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  /** Connects the first producer, so that start-up fails loudly when the broker cannot be reached. */
  async connect(): Promise<void> {
    await this.producer();
  }

  /** How many times the producer was retired after a failed send (a metric and a test hook). */
  get replaced(): number {
    return this.replacements;
  }

  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    try {
      return await this.sendOnce(batch);
    } catch (err) {
      if (producerStateLost(err) === undefined) throw err;
      return this.sendOnce(batch);
    }
  }

  async disconnect(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (current) await (await current).disconnect();
  }

  private async sendOnce(batch: ProducerBatch): Promise<RecordMetadata[]> {
    const used = this.producer();
    this.inFlight.set(used, (this.inFlight.get(used) ?? 0) + 1);
    try {
      return await (await used).sendBatch(batch);
    } catch (err) {
      this.retire(used, err);
      throw err;
    } finally {
      const left = (this.inFlight.get(used) ?? 1) - 1;
      if (left > 0) this.inFlight.set(used, left);
      else {
        this.inFlight.delete(used);
        // Retired (or never connected: then there is nothing to close).
        if (used !== this.current) this.disconnectQuietly(used);
      }
    }
  }

  private producer(): Promise<Producer> {
    if (!this.current) {
      const next = this.connectNew();
      // A failed connect is not kept: the next send tries again.
      next.catch(() => {
        if (this.current === next) this.current = undefined;
      });
      this.current = next;
    }
    return this.current;
  }

  private async connectNew(): Promise<Producer> {
    const producer = this.create();
    try {
      await producer.connect();
    } catch (err) {
      // kafkajs keeps what it opened before the failure; the next send makes a new producer anyway.
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
    return producer;
  }

  /** Only the first of several sends failing on the same producer retires it; it is closed once none is left on it. */
  private retire(failed: Promise<Producer>, err: unknown): void {
    if (this.current !== failed) return;
    this.current = undefined;
    this.replacements += 1;
    this.logger.warn(
      {
        reason: producerStateLost(err) ?? (err instanceof Error ? err.name : 'unknown'),
        replacements: this.replacements,
      },
      'send failed: the next send uses a new producer id',
    );
  }

  private disconnectQuietly(producer: Promise<Producer>): void {
    producer.then((p) => p.disconnect()).catch(() => undefined);
  }
}

/**
 * The producer every process publishes with: idempotent, acks from all in-sync replicas, no topic auto-creation,
 * and kafkajs' default placement of keys computed without its 64-bit arithmetic (JavaCompatiblePartitioner).
 */
export function createIdempotentProducer(kafka: Kafka, logger: Pick<Logger, 'warn'>): ManagedProducer {
  return new ManagedProducer(
    () =>
      kafka.producer({
        idempotent: true,
        allowAutoTopicCreation: false,
        createPartitioner: JavaCompatiblePartitioner,
      }),
    logger,
  );
}
