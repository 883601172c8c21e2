/**
 * The event processor's offsets against the real broker: it commits once per interval (not after every batch), so
 * a graceful stop must commit what it processed, or the next instance replays it. Replays are harmless for the
 * saga (idempotent handlers) but a drained, stopped instance should leave nothing to replay.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { Admin, Producer } from 'kafkajs';
import { pollUntil, uniquePrefix } from '@saga/testkit';
import {
  createEventProcessor,
  createKafka,
  createLogger,
  Headers,
  RetryStore,
  type EventHandler,
} from '@saga/messaging';
import { codec, conn, orderCreated } from './record-fixtures.js';

const PARTITIONS = 6;
const logger = createLogger('event-processor-int', 'silent');
const kafka = createKafka(conn, 'event-processor-int', logger);
let admin: Admin;
let producer: Producer;
let redis: Redis;
let topic: string;

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
  await producer.connect();
  redis = new Redis(conn.redis.url, { lazyConnect: true });
  await redis.connect();
  topic = `${uniquePrefix('ep')}-orders`;
  await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: true,
  });
});

afterAll(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  await producer.disconnect();
  redis.disconnect();
});

/** Counts every OrderCreated it sees (by eventId) and answers with nothing. */
function recorder(): EventHandler & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    service: 'payment',
    consumes: new Set(['OrderCreated']),
    handle: (event) => {
      seen.push(event.metadata.eventId);
      return Promise.resolve({ kind: 'ignored', reason: 'test' });
    },
    onRetriesExhausted: () => Promise.resolve({ kind: 'park' }),
  };
}

async function publish(count: number, partition?: number): Promise<void> {
  const messages = await Promise.all(
    Array.from({ length: count }, async () => {
      const event = orderCreated(`ord-${randomUUID()}`);
      return {
        key: event.metadata.orderId,
        value: await codec.encode(event),
        headers: {
          [Headers.eventType]: event.type,
          [Headers.eventId]: event.metadata.eventId,
          [Headers.orderId]: event.metadata.orderId,
        },
        ...(partition === undefined ? {} : { partition }),
      };
    }),
  );
  await producer.send({ topic, acks: -1, messages });
}

function processorFor(groupId: string, handler: EventHandler) {
  return createEventProcessor({
    kafka,
    producer,
    retries: new RetryStore(redis, groupId),
    groupId,
    topics: [topic],
    handler,
    codec,
    logger,
    timeScale: 0.001,
    // Far longer than the test: only the stop can have committed.
    commitIntervalMs: 600_000,
  });
}

describe('event processor offsets', () => {
  it('a graceful stop commits everything processed; the next instance replays nothing', async () => {
    const groupId = uniquePrefix('ep-group');
    await publish(60);
    const first = recorder();
    const one = processorFor(groupId, first);
    await one.start();
    await pollUntil(() => first.seen.length >= 60, { description: '60 records processed' });
    await one.stop();

    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    const byPartition = new Map(committed[0]!.partitions.map((p) => [p.partition, p.offset]));
    for (const end of ends) expect(byPartition.get(end.partition)).toBe(end.high);

    // One new record per partition: once each is seen, any replay of that partition (it would come first) was too.
    const second = recorder();
    const two = processorFor(groupId, second);
    await two.start();
    for (let p = 0; p < PARTITIONS; p++) await publish(1, p);
    await pollUntil(() => second.seen.length >= PARTITIONS, { description: 'the new records processed' });
    await two.stop();
    expect(second.seen).toHaveLength(PARTITIONS);
    expect(second.seen.filter((id) => first.seen.includes(id))).toEqual([]);
  });
});
