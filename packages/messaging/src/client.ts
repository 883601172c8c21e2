import { randomUUID } from 'node:crypto';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { createSerde, type SagaEvent } from '@saga/contracts';
import type { ConnectionConfig } from './connection.js';
import { createKafka, type Kafka } from './kafka.js';
import { createLogger, type Logger } from './logger.js';
import { createIdempotentProducer } from './producer.js';
import { sendRecords, toOutboundRecords, type EventCodec, type OutboundRecord } from './publisher.js';
import type { RawRecord } from './retry-store.js';

/** A record as read from a topic, with its decoded event when it decodes (dead letters and poison may not). */
export interface ReadRecord extends RawRecord {
  timestamp: number;
  bytes: Buffer;
}

export interface TailOptions {
  topics: string[];
  fromBeginning?: boolean;
  onRecord(record: ReadRecord): void | Promise<void>;
}

/**
 * What tools and tests need from Kafka without touching kafkajs: publish events (Avro via the registry), publish
 * raw records (poison, redrives, duplicates), read topics to their current end, and follow them live.
 */
export interface EventClient {
  codec: EventCodec;
  publish(events: SagaEvent[]): Promise<void>;
  publishRaw(records: OutboundRecord[]): Promise<void>;
  /** Every record currently in `topics`, from the beginning up to the end offsets at the time of the call. */
  readAll(topics: string[], filter?: (r: ReadRecord) => boolean): Promise<ReadRecord[]>;
  /** Records not yet consumed by `groupId` on `topics` (end offset − committed offset, summed over partitions). */
  lag(groupId: string, topics: string[]): Promise<number>;
  /** Follows topics until the returned stop function is called. */
  tail(opts: TailOptions): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

function toRead(topic: string, partition: number, m: KafkaMessage): ReadRecord {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) if (v !== undefined) headers[k] = String(v);
  const bytes = m.value ?? Buffer.alloc(0);
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ? m.key.toString() : null,
    value: bytes.toString('base64'),
    bytes,
    headers,
    timestamp: Number(m.timestamp),
  };
}

export async function createEventClient(
  conn: ConnectionConfig,
  opts: { clientId?: string; logger?: Logger } = {},
): Promise<EventClient> {
  const logger =
    opts.logger ?? createLogger(opts.clientId ?? 'saga-client', process.env.LOG_LEVEL ?? 'error');
  const kafka: Kafka = createKafka(conn, opts.clientId ?? 'saga-client', logger);
  const producer = createIdempotentProducer(kafka, logger);
  await producer.connect();
  const codec = createSerde(conn.schemaRegistry);
  const consumers = new Set<Consumer>();

  async function readAll(topics: string[], filter?: (r: ReadRecord) => boolean): Promise<ReadRecord[]> {
    const admin = kafka.admin();
    await admin.connect();
    const remaining = new Map<string, bigint>();
    try {
      for (const topic of topics) {
        for (const p of await admin.fetchTopicOffsets(topic)) {
          if (BigInt(p.high) > BigInt(p.low)) remaining.set(`${topic}:${p.partition}`, BigInt(p.high));
        }
      }
    } finally {
      await admin.disconnect();
    }
    const out: ReadRecord[] = [];
    if (remaining.size === 0) return out;
    const consumer = kafka.consumer({ groupId: `saga-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    try {
      for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachBatch: ({ batch }) => {
              const k = `${batch.topic}:${batch.partition}`;
              const end = remaining.get(k);
              if (end === undefined) return Promise.resolve();
              for (const m of batch.messages) {
                if (BigInt(m.offset) >= end) break;
                const r = toRead(batch.topic, batch.partition, m);
                if (!filter || filter(r)) out.push(r);
              }
              if (BigInt(batch.lastOffset()) + 1n >= end) remaining.delete(k);
              if (remaining.size === 0) resolve();
              return Promise.resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return out;
  }

  return {
    codec,
    publish: async (events) => sendRecords(producer, await toOutboundRecords(codec, events)),
    publishRaw: (records) => sendRecords(producer, records),
    readAll,
    async lag(groupId, topics) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        let total = 0n;
        const committed = await admin.fetchOffsets({ groupId, topics });
        for (const { topic, partitions } of committed) {
          const ends = await admin.fetchTopicOffsets(topic);
          for (const end of ends) {
            const c = partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
            const from = BigInt(c) < 0n ? BigInt(end.low) : BigInt(c);
            total += BigInt(end.high) - from;
          }
        }
        return Number(total);
      } finally {
        await admin.disconnect();
      }
    },
    async tail(tailOpts) {
      const { topics, fromBeginning = false } = tailOpts;
      const consumer = kafka.consumer({ groupId: `saga-tail-${randomUUID()}`, maxWaitTimeInMs: 100 });
      consumers.add(consumer);
      await consumer.connect();
      for (const topic of topics) await consumer.subscribe({ topic, fromBeginning });
      await consumer.run({
        // A throwaway group: committing would only load the broker (kafkajs commits after every batch otherwise).
        autoCommit: false,
        partitionsConsumedConcurrently: 16,
        eachMessage: async ({ topic, partition, message }) =>
          tailOpts.onRecord(toRead(topic, partition, message)),
      });
      return async () => {
        consumers.delete(consumer);
        await consumer.disconnect();
      };
    },
    async close() {
      for (const c of consumers) await c.disconnect();
      await producer.disconnect();
    },
  };
}
