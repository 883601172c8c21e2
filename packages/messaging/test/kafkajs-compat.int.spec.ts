/**
 * Proof that kafkajs 2.2.4 (last release 2023) still speaks to Kafka 4.x, which removed the protocol versions
 * older than Kafka 2.1 (KIP-896). kafkajs negotiates versions via ApiVersions, so every call below would fail
 * loudly with UNSUPPORTED_VERSION if it had no version in common with the broker; the broker-side errors are
 * collected from kafkajs' own logger and printed so a failure names the API at fault.
 *
 * Outside packages/messaging/src only tests import kafkajs: this one tests the client, not our code;
 * producer-recovery.int.spec.ts wires a client to a proxy.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import kafkajs from 'kafkajs';
import type { Admin, Consumer, EachBatchPayload, KafkaMessage, Producer } from 'kafkajs';
import { loadConnectionConfig } from '@saga/messaging';
import { pollUntil, uniquePrefix } from '@saga/testkit';

const { Kafka, Partitioners, logLevel } = kafkajs;

jest.setTimeout(90_000);

const PARTITIONS = 6;
const logged: string[] = [];

// kafkajs logs the failing request (apiName/apiVersion) at ERROR/WARN; keep it for the report instead of the console.
const kafka = new Kafka({
  clientId: 'kafkajs-compat',
  brokers: loadConnectionConfig().kafka.brokers,
  logLevel: logLevel.WARN,
  logCreator:
    () =>
    ({ namespace, label, log }) => {
      const { message, ...extra } = log;
      logged.push(`${label} [${namespace}] ${message} ${JSON.stringify(extra)}`);
    },
});

let admin: Admin;
const topicsToDelete: string[] = [];
const toStop: (Producer | Consumer)[] = [];

async function createTopic(name: string): Promise<string> {
  const created = await admin.createTopics({
    topics: [{ topic: name, numPartitions: PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  expect(created).toBe(true);
  topicsToDelete.push(name);
  return name;
}

function track<T extends Producer | Consumer>(client: T): T {
  toStop.push(client);
  return client;
}

/** Runs a consumer in `groupId` that records every message value, committing manually after each batch. */
async function startBatchConsumer(
  groupId: string,
  topic: string,
  seen: string[],
  opts: { readUncommitted?: boolean } = {},
): Promise<Consumer> {
  // disconnect() waits for the in-flight long-poll fetch; a short maxWait keeps the hand-over between members quick.
  const consumer = track(
    kafka.consumer({ groupId, readUncommitted: opts.readUncommitted ?? false, maxWaitTimeInMs: 500 }),
  );
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }: EachBatchPayload) => {
      for (const m of batch.messages) {
        seen.push(valueOf(m));
        resolveOffset(m.offset);
      }
      if (batch.messages.length > 0) {
        // A committed offset is the *next* offset to read, hence +1.
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) },
        ]);
      }
      await heartbeat();
    },
  });
  return consumer;
}

function valueOf(m: KafkaMessage): string {
  return m.value?.toString('utf8') ?? '';
}

async function committedTotal(groupId: string, topic: string): Promise<number> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (entry?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterEach(async () => {
  await Promise.allSettled(toStop.splice(0).map((c) => c.disconnect()));
});

afterAll(async () => {
  if (topicsToDelete.length > 0) await admin.deleteTopics({ topics: topicsToDelete.splice(0) });
  await admin.disconnect();
  if (logged.length > 0) console.warn(`kafkajs warnings/errors:\n${logged.join('\n')}`);
});

describe('kafkajs 2.2.4 against Kafka 4.x', () => {
  it('admin creates topics with 6 partitions and lists them', async () => {
    const prefix = uniquePrefix('compat-admin');
    const a = await createTopic(`${prefix}.a`);
    const b = await createTopic(`${prefix}.b`);

    const names = await admin.listTopics();
    expect(names).toEqual(expect.arrayContaining([a, b]));
    const meta = await admin.fetchTopicMetadata({ topics: [a] });
    expect(meta.topics[0]?.partitions).toHaveLength(PARTITIONS);
  });

  it('idempotent producer + eachBatch group consumer; a second member resumes from the committed offset', async () => {
    const prefix = uniquePrefix('compat-group');
    const topic = await createTopic(`${prefix}.events`);
    const groupId = `${prefix}.group`;

    // kafkajs' idempotent mode needs acks=-1 (its default) and at most one request in flight to keep ordering.
    const producer = track(
      kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      }),
    );
    await producer.connect();
    const first = Array.from({ length: 30 }, (_, i) => `first-${i}`);
    await producer.send({ topic, messages: first.map((v, i) => ({ key: `k${i}`, value: v })) });

    const seen1: string[] = [];
    const consumer1 = await startBatchConsumer(groupId, topic, seen1);
    await pollUntil(() => seen1.length >= first.length, { description: 'first consumer to read 30 records' });
    await pollUntil(async () => (await committedTotal(groupId, topic)) === first.length, {
      description: 'offsets of 30 records committed',
    });
    await consumer1.disconnect();

    const second = Array.from({ length: 12 }, (_, i) => `second-${i}`);
    await producer.send({ topic, messages: second.map((v, i) => ({ key: `k${i}`, value: v })) });

    const seen2: string[] = [];
    await startBatchConsumer(groupId, topic, seen2);
    await pollUntil(() => seen2.length >= second.length, {
      description: 'second consumer to read 12 records',
    });
    await pollUntil(async () => (await committedTotal(groupId, topic)) === first.length + second.length, {
      description: 'offsets of all 42 records committed',
    });

    expect([...seen1].sort()).toEqual([...first].sort());
    // Resumed, not restarted: nothing from the first round is read again.
    expect([...seen2].sort()).toEqual([...second].sort());
  });

  it('transactions: send + sendOffsets + commit are visible; an aborted transaction is not (read_committed)', async () => {
    const prefix = uniquePrefix('compat-tx');
    const input = await createTopic(`${prefix}.input`);
    const output = await createTopic(`${prefix}.output`);
    const groupId = `${prefix}.group`;

    const producer = track(
      kafka.producer({
        transactionalId: `${prefix}.tx`,
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      }),
    );
    await producer.connect();

    // Consume-transform-produce step: output records and the input offset commit in one transaction.
    const committed = await producer.transaction();
    await committed.send({ topic: output, messages: [{ key: 'o', value: 'committed-1', partition: 0 }] });
    await committed.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic: input, partitions: [{ partition: 0, offset: '5' }] }],
    });
    await committed.commit();

    const aborted = await producer.transaction();
    await aborted.send({
      topic: output,
      messages: [
        { key: 'o', value: 'aborted-1', partition: 0 },
        { key: 'o', value: 'aborted-2', partition: 3 },
      ],
    });
    await aborted.abort();

    // A marker committed after the abort: once it is read, everything before it on partition 0 has been decided.
    const marker = await producer.transaction();
    await marker.send({ topic: output, messages: [{ key: 'o', value: 'committed-2', partition: 0 }] });
    await marker.commit();

    const [offsets] = await admin.fetchOffsets({ groupId, topics: [input] });
    expect(offsets?.partitions.find((p) => p.partition === 0)?.offset).toBe('5');

    const seen: string[] = [];
    await startBatchConsumer(`${prefix}.reader`, output, seen, { readUncommitted: false });
    await pollUntil(() => seen.includes('committed-2'), {
      description: 'marker record after the aborted tx',
    });
    expect(seen.sort()).toEqual(['committed-1', 'committed-2']);

    // Control check: a read_uncommitted reader does see the aborted records, so the test above can fail.
    const dirty: string[] = [];
    await startBatchConsumer(`${prefix}.dirty`, output, dirty, { readUncommitted: true });
    await pollUntil(() => dirty.length >= 4, {
      description: 'read_uncommitted reader to see aborted records',
    });
    expect(dirty).toEqual(expect.arrayContaining(['aborted-1', 'aborted-2']));
  });
});
