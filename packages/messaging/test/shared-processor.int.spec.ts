/**
 * The shared event processor (the single-process deployment) against the real broker, registry and Redis: two
 * lanes — a fake `payment` and a fake `inventory` — behind one consumer group. Each lane gets the records its
 * service consumes, once; the outputs of both go out; a graceful stop commits for all lanes; and a retriable failure
 * of one lane waits in that lane's retry schedule without holding up the other lane on the same partition.
 *
 * Every test has its own input topic, output topics, consumer group and retry schedules (a unique prefix). The
 * lanes' outputs (PaymentAuthorized → `payments`, ItemReserved → `inventory`) are produced to the test's own copies
 * of those topics: the producer handed to the processor renames them, so nothing reaches the stack's real topics.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { Admin, Producer, ProducerBatch } from 'kafkajs';
import {
  SagaError,
  Topics,
  type ItemReserved,
  type OrderCreated,
  type PaymentAuthorized,
  type SagaEvent,
} from '@saga/contracts';
import { pollUntil, uniquePrefix } from '@saga/testkit';
import {
  createEventClient,
  createKafka,
  createLogger,
  createSharedEventProcessor,
  Headers,
  retryKeys,
  RetryStore,
  type EventClient,
  type EventHandler,
  type EventProcessor,
  type ReadRecord,
} from '@saga/messaging';
import { codec, conn, orderCreated } from './record-fixtures.js';

const PARTITIONS = 3;
const logger = createLogger('shared-processor-int', 'silent');
const kafka = createKafka(conn, 'shared-processor-int', logger);
let admin: Admin;
let producer: Producer;
let redis: Redis;
let reader: EventClient;
const topicsToDelete: string[] = [];
const groupsToDelete: string[] = [];
const retryServices: string[] = [];
const running = new Set<EventProcessor>();

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
  await producer.connect();
  redis = new Redis(conn.redis.url, { lazyConnect: true });
  await redis.connect();
  reader = await createEventClient(conn, { clientId: 'shared-processor-int-reader', logger });
});

afterAll(async () => {
  await Promise.all([...running].map((p) => p.stop().catch(() => undefined)));
  await admin.deleteGroups(groupsToDelete).catch(() => undefined);
  await admin.deleteTopics({ topics: topicsToDelete }).catch(() => undefined);
  for (const s of retryServices) await redis.del(...Object.values(retryKeys(s)));
  await admin.disconnect();
  await producer.disconnect();
  await reader.close();
  redis.disconnect();
});

/** One test's topics, group and retry schedules. */
interface Fixture {
  input: string;
  /** The test's copies of the real output topics, by real name. */
  out: { payments: string; inventory: string };
  groupId: string;
  retries: { payment: RetryStore; inventory: RetryStore };
}

async function fixture(name: string): Promise<Fixture> {
  const prefix = uniquePrefix(name);
  const fx: Fixture = {
    input: `${prefix}-in`,
    out: { payments: `${prefix}-payments`, inventory: `${prefix}-inventory` },
    groupId: `${prefix}-group`,
    retries: {
      payment: new RetryStore(redis, `${prefix}-payment`),
      inventory: new RetryStore(redis, `${prefix}-inventory`),
    },
  };
  topicsToDelete.push(fx.input, fx.out.payments, fx.out.inventory);
  groupsToDelete.push(fx.groupId);
  retryServices.push(`${prefix}-payment`, `${prefix}-inventory`);
  await admin.createTopics({
    topics: [
      { topic: fx.input, numPartitions: PARTITIONS, replicationFactor: 1 },
      { topic: fx.out.payments, numPartitions: 1, replicationFactor: 1 },
      { topic: fx.out.inventory, numPartitions: 1, replicationFactor: 1 },
    ],
    waitForLeaders: true,
  });
  return fx;
}

/** The real producer, with the real output topics renamed to the fixture's; any other topic is refused. */
function redirecting(fx: Fixture): Producer {
  const rename = (topic: string): string => {
    if (topic === Topics.payments) return fx.out.payments;
    if (topic === Topics.inventory) return fx.out.inventory;
    throw new Error(`the test producer refuses topic ${topic}`);
  };
  const sendBatch = (batch: ProducerBatch) =>
    producer.sendBatch({
      ...batch,
      topicMessages: (batch.topicMessages ?? []).map((tm) => ({ ...tm, topic: rename(tm.topic) })),
    });
  return { sendBatch } as unknown as Producer;
}

/** What a fake handler saw: `type:eventId` per call, in order. */
type Recording = EventHandler & { seen: string[]; saw(e: SagaEvent): boolean };

const childOf = (e: SagaEvent, producerName: string) => ({
  ...e.metadata,
  eventId: randomUUID(),
  causationId: e.metadata.eventId,
  producer: producerName,
  attempt: 1,
});

/**
 * A fake payment service: OrderCreated → PaymentAuthorized; ItemReserved → nothing (inventory never consumes
 * ItemReserved, so such a record is for this lane alone). `failWhile(orderId)` makes its OrderCreated fail
 * retriably (gateway unavailable) while it holds.
 */
function fakePayment(failWhile: (orderId: string) => boolean = () => false): Recording {
  const seen: string[] = [];
  return {
    seen,
    saw: (e) => seen.includes(`${e.type}:${e.metadata.eventId}`),
    service: 'payment',
    consumes: new Set(['OrderCreated', 'ItemReserved']),
    handle(event) {
      seen.push(`${event.type}:${event.metadata.eventId}`);
      if (event.type !== 'OrderCreated') return Promise.resolve({ kind: 'ignored', reason: 'test' });
      if (failWhile(event.metadata.orderId))
        return Promise.reject(new SagaError('GATEWAY_UNAVAILABLE', 'gateway down (test)', true));
      const out: PaymentAuthorized = {
        type: 'PaymentAuthorized',
        metadata: childOf(event, 'payment'),
        order: event.order,
        authorizationId: `auth-${event.metadata.orderId}`,
      };
      return Promise.resolve({ kind: 'emit', events: [out] });
    },
    onRetriesExhausted: () => Promise.resolve({ kind: 'park' }),
  };
}

/** A fake inventory service: OrderCreated → ItemReserved. */
function fakeInventory(): Recording {
  const seen: string[] = [];
  return {
    seen,
    saw: (e) => seen.includes(`${e.type}:${e.metadata.eventId}`),
    service: 'inventory',
    consumes: new Set(['OrderCreated']),
    handle(event) {
      seen.push(`${event.type}:${event.metadata.eventId}`);
      const e = event as OrderCreated;
      const out: ItemReserved = {
        type: 'ItemReserved',
        metadata: childOf(e, 'inventory'),
        order: e.order,
        reservationId: `res-${e.metadata.orderId}`,
      };
      return Promise.resolve({ kind: 'emit', events: [out] });
    },
    onRetriesExhausted: () => Promise.resolve({ kind: 'park' }),
  };
}

/** A handler wrapped to hold every call until `open()`; `entered` resolves at the first call. */
function gated(handler: Recording): Recording & { entered: Promise<void>; open(): void } {
  let open!: () => void;
  let entered!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const enteredP = new Promise<void>((r) => (entered = r));
  return {
    ...handler,
    entered: enteredP,
    open,
    async handle(event, ctx) {
      entered();
      await gate;
      return handler.handle(event, ctx);
    },
  };
}

/**
 * The test's Kafka client, whose consumers call `onStopping` as soon as their `stop()` has begun. kafkajs' stop
 * clears the batch's `isRunning()` before its first await, so from then on a batch in flight is one being drained.
 */
function kafkaReportingStop(onStopping: () => void): typeof kafka {
  return new Proxy(kafka, {
    get(target, prop, receiver) {
      if (prop !== 'consumer') return Reflect.get(target, prop, receiver) as unknown;
      return (...args: Parameters<typeof kafka.consumer>) => {
        const consumer = target.consumer(...args);
        const stop = consumer.stop.bind(consumer);
        consumer.stop = () => {
          const stopped = stop();
          onStopping();
          return stopped;
        };
        return consumer;
      };
    },
  });
}

function sharedProcessor(
  fx: Fixture,
  payment: EventHandler,
  inventory: EventHandler,
  opts: { timeScale?: number; commitIntervalMs?: number; kafka?: typeof kafka } = {},
): EventProcessor {
  const lane = (handler: EventHandler, retries: RetryStore) => ({
    handler,
    topics: [fx.input],
    codec,
    retries,
    logger,
    timeScale: opts.timeScale ?? 0.001,
  });
  const processor = createSharedEventProcessor({
    lanes: [lane(payment, fx.retries.payment), lane(inventory, fx.retries.inventory)],
    kafka: opts.kafka ?? kafka,
    producer: redirecting(fx),
    logger,
    groupId: fx.groupId,
    ...(opts.commitIntervalMs === undefined ? {} : { commitIntervalMs: opts.commitIntervalMs }),
  });
  const { start, stop } = processor;
  return {
    ...processor,
    start: async () => {
      running.add(processor);
      await start();
    },
    stop: async () => {
      running.delete(processor);
      await stop();
    },
  };
}

async function publish(fx: Fixture, events: SagaEvent[], partition?: number): Promise<void> {
  const messages = await Promise.all(
    events.map(async (event) => ({
      key: event.metadata.orderId,
      value: await codec.encode(event),
      headers: {
        [Headers.eventType]: event.type,
        [Headers.eventId]: event.metadata.eventId,
        [Headers.orderId]: event.metadata.orderId,
      },
      ...(partition === undefined ? {} : { partition }),
    })),
  );
  await producer.send({ topic: fx.input, acks: -1, messages });
}

const orders = (count: number): OrderCreated[] =>
  Array.from({ length: count }, () => orderCreated(`ord-${randomUUID()}`));

function itemReserved(orderId: string): ItemReserved {
  const created = orderCreated(orderId);
  return {
    type: 'ItemReserved',
    metadata: { ...created.metadata, producer: 'inventory' },
    order: created.order,
    reservationId: `res-${orderId}`,
  };
}

/** Records on `topic` (its end offsets summed), polled until there are at least `count`. */
async function untilRecords(topic: string, count: number): Promise<ReadRecord[]> {
  await pollUntil(
    async () => {
      const ends = await admin.fetchTopicOffsets(topic);
      return ends.reduce((n, p) => n + Number(p.high), 0) >= count;
    },
    { description: `${count} records on ${topic}` },
  );
  return reader.readAll([topic]);
}

/** Whether the group's committed offsets reached every partition's end (an empty partition has none to commit). */
async function committedToEnd(fx: Fixture): Promise<boolean> {
  const [committed] = await admin.fetchOffsets({ groupId: fx.groupId, topics: [fx.input] });
  const ends = await admin.fetchTopicOffsets(fx.input);
  const at = new Map(committed!.partitions.map((p) => [p.partition, p.offset]));
  return ends.every(
    (e) => at.get(e.partition) === e.high || (e.high === e.low && at.get(e.partition) === '-1'),
  );
}

const causes = (records: readonly ReadRecord[]) =>
  Promise.all(records.map(async (r) => (await codec.decode(r.bytes)).metadata.causationId));

describe('shared event processor: two lanes, one consumer group', () => {
  it('a record on a topic both lanes read reaches each handler once, and both lanes produce', async () => {
    const fx = await fixture('sp-both');
    const payment = fakePayment();
    const inventory = fakeInventory();
    const processor = sharedProcessor(fx, payment, inventory);
    await processor.start();
    const inputs = orders(12);
    await publish(fx, inputs);
    await pollUntil(() => payment.seen.length >= 12 && inventory.seen.length >= 12, {
      description: 'both lanes handling the 12 records',
    });
    const authorized = await untilRecords(fx.out.payments, 12);
    const reserved = await untilRecords(fx.out.inventory, 12);
    await pollUntil(() => committedToEnd(fx), { description: 'the offsets committed to the end' });
    await processor.stop();

    const expected = inputs.map((e) => `OrderCreated:${e.metadata.eventId}`).sort();
    expect([...payment.seen].sort()).toEqual(expected);
    expect([...inventory.seen].sort()).toEqual(expected);
    // Each lane's output went to its own topic, one per input, caused by it.
    const ids = inputs.map((e) => e.metadata.eventId).sort();
    expect(authorized.map((r) => r.headers[Headers.eventType])).toEqual(Array(12).fill('PaymentAuthorized'));
    expect(reserved.map((r) => r.headers[Headers.eventType])).toEqual(Array(12).fill('ItemReserved'));
    expect((await causes(authorized)).sort()).toEqual(ids);
    expect((await causes(reserved)).sort()).toEqual(ids);
  });

  it('a record whose type only one lane consumes reaches only that lane', async () => {
    const fx = await fixture('sp-one');
    const payment = fakePayment();
    const inventory = fakeInventory();
    const processor = sharedProcessor(fx, payment, inventory);
    await processor.start();
    const orderId = `ord-${randomUUID()}`;
    const forPayment = itemReserved(orderId);
    // A record both read, after it on the same partition: once inventory has seen that one, it is past the first.
    const [after] = orders(1);
    await publish(fx, [forPayment, after!], 0);
    await pollUntil(() => payment.saw(after!) && inventory.saw(after!), {
      description: 'both lanes past the ItemReserved record',
    });
    await untilRecords(fx.out.inventory, 1);
    await pollUntil(() => committedToEnd(fx), { description: 'the offsets committed to the end' });
    await processor.stop();

    expect(payment.seen).toEqual([
      `ItemReserved:${forPayment.metadata.eventId}`,
      `OrderCreated:${after!.metadata.eventId}`,
    ]);
    expect(inventory.seen).toEqual([`OrderCreated:${after!.metadata.eventId}`]);
    // The payment lane answered the ItemReserved with nothing: its only output is for the OrderCreated.
    const authorized = await untilRecords(fx.out.payments, 1);
    expect(await causes(authorized)).toEqual([after!.metadata.eventId]);
  });

  it('a graceful stop commits for both lanes; the next instance of the group replays nothing', async () => {
    const fx = await fixture('sp-stop');
    const first = { payment: fakePayment(), inventory: fakeInventory() };
    // Far longer than the test: only the stop can have committed.
    const one = sharedProcessor(fx, first.payment, first.inventory, { commitIntervalMs: 600_000 });
    await one.start();
    const inputs = orders(30);
    await publish(fx, inputs);
    await pollUntil(() => first.payment.seen.length >= 30 && first.inventory.seen.length >= 30, {
      description: '30 records handled by both lanes',
    });
    await one.stop();
    expect(await committedToEnd(fx)).toBe(true);

    // One new record per partition: once each lane has seen them all, any replay (it would come first) was too.
    const second = { payment: fakePayment(), inventory: fakeInventory() };
    const two = sharedProcessor(fx, second.payment, second.inventory, { commitIntervalMs: 600_000 });
    await two.start();
    const fresh = orders(PARTITIONS);
    for (const [p, e] of fresh.entries()) await publish(fx, [e], p);
    await pollUntil(() => fresh.every((e) => second.payment.saw(e) && second.inventory.saw(e)), {
      description: 'the new records handled by both lanes',
    });
    await two.stop();
    const freshSeen = fresh.map((e) => `OrderCreated:${e.metadata.eventId}`).sort();
    expect([...second.payment.seen].sort()).toEqual(freshSeen);
    expect([...second.inventory.seen].sort()).toEqual(freshSeen);
    expect(await committedToEnd(fx)).toBe(true);
  });

  it('a stop during a batch finishes it: its outputs go out and its offsets are committed', async () => {
    const fx = await fixture('sp-drain');
    const payment = gated(fakePayment());
    const inventory = fakeInventory();
    const one = sharedProcessor(fx, payment, inventory, {
      commitIntervalMs: 600_000,
      kafka: kafkaReportingStop(() => payment.open()),
    });
    await one.start();
    const [held] = orders(1);
    await publish(fx, [held!], 0);
    // The batch is in flight, its payment handler held, when the stop begins; the stop lets it go on.
    await payment.entered;
    await one.stop();

    expect(payment.seen).toEqual([`OrderCreated:${held!.metadata.eventId}`]);
    expect(await committedToEnd(fx)).toBe(true);
    const authorized = await untilRecords(fx.out.payments, 1);
    const reserved = await untilRecords(fx.out.inventory, 1);
    expect(await causes(authorized)).toEqual([held!.metadata.eventId]);
    expect(await causes(reserved)).toEqual([held!.metadata.eventId]);
  });

  it("a retriable failure in one lane schedules that lane's retry and does not hold up the other lane", async () => {
    const fx = await fixture('sp-retry');
    let gatewayDown = true;
    const [failing, next] = orders(2);
    const failingId = failing!.metadata.orderId;
    const payment = fakePayment((orderId) => gatewayDown && orderId === failingId);
    const inventory = fakeInventory();
    // Gateway retries after 250 ms, 750 ms, 2.25 s, 6.75 s, 20 s: time enough to look before they run out.
    const processor = sharedProcessor(fx, payment, inventory, { timeScale: 0.05 });
    await processor.start();
    await publish(fx, [failing!, next!], 0);

    // The inventory lane handles both records (the second behind the failing one on the same partition), the
    // payment lane the second, and the partition is committed to its end: nothing waits for payment's retry.
    await pollUntil(() => inventory.saw(next!) && payment.saw(next!), {
      description: 'both lanes past the failing record',
    });
    await pollUntil(() => committedToEnd(fx), { description: 'the partition committed past both records' });
    expect(inventory.seen).toEqual([
      `OrderCreated:${failing!.metadata.eventId}`,
      `OrderCreated:${next!.metadata.eventId}`,
    ]);
    const pending = await fx.retries.payment.pendingFor(failingId);
    expect(pending.map((r) => r.record.headers[Headers.eventId])).toEqual([failing!.metadata.eventId]);
    expect(await fx.retries.inventory.pendingFor(failingId)).toEqual([]);
    const reserved = await untilRecords(fx.out.inventory, 2);
    expect((await causes(reserved)).sort()).toEqual(
      [failing!.metadata.eventId, next!.metadata.eventId].sort(),
    );
    const authorizedSoFar = await untilRecords(fx.out.payments, 1);
    expect(await causes(authorizedSoFar)).toEqual([next!.metadata.eventId]);

    // The gateway recovers: payment's own retry loop runs the failed input again and produces its output.
    gatewayDown = false;
    await pollUntil(async () => (await fx.retries.payment.pendingFor(failingId)).length === 0, {
      description: "payment's retry done",
    });
    const authorized = await untilRecords(fx.out.payments, 2);
    await processor.stop();
    expect((await causes(authorized)).sort()).toEqual(
      [failing!.metadata.eventId, next!.metadata.eventId].sort(),
    );
    const attempts = payment.seen.filter((s) => s === `OrderCreated:${failing!.metadata.eventId}`);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    // Inventory never saw the failing record again: the retry was payment's alone.
    expect(inventory.seen).toHaveLength(2);
  });
});
