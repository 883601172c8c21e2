/**
 * The idempotent producer after a lost produce answer, against the real broker. A produce request is appended, but
 * its answer never reaches the client (the connection dies, as when the broker is SIGKILLed right after appending);
 * kafkajs gives up, winds its sequence numbers back, and the next batch arrives with numbers the broker has already
 * seen for other records: OUT_OF_ORDER_SEQUENCE_NUMBER, on every request from then on. This froze the chaos suite's
 * client in CI. `ManagedProducer` must replace the producer and get the batch through.
 *
 * The answer is lost by a small in-process proxy that kafkajs reaches through its `socketFactory` (kafkajs is imported
 * here because the test needs a client wired to that proxy; it tests the failure, not kafkajs).
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import kafkajs from 'kafkajs';
import type { Admin, Producer } from 'kafkajs';
import { loadConnectionConfig, ManagedProducer, producerStateLost } from '@saga/messaging';
import { pollUntil, uniquePrefix } from '@saga/testkit';

const { Kafka, logLevel } = kafkajs;
const PRODUCE_API_KEY = 0;

jest.setTimeout(60_000);

const conn = loadConnectionConfig();
const [brokerHost, brokerPort] = (() => {
  const [host, port] = conn.kafka.brokers[0]!.split(':');
  return [host!, Number(port)];
})();

/** Splits a byte stream into Kafka frames (int32 size, then the frame); `onFrame` decides whether each goes on. */
function framer(onFrame: (frame: Buffer) => boolean, forward: (frame: Buffer) => void) {
  let pending = Buffer.alloc(0);
  return (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const end = 4 + pending.readInt32BE(0);
      if (pending.length < end) break;
      const frame = pending.subarray(0, end);
      pending = pending.subarray(end);
      if (onFrame(frame)) forward(frame);
    }
  };
}

/**
 * Forwards every connection to the broker. Once armed, it lets the next produce request through, drops the broker's
 * answer, cuts that connection and refuses new ones for `refuseMs`, so the client's retries fail as well.
 */
class AnswerDroppingProxy {
  private armed = false;
  private refuseUntil = 0;
  private readonly sockets = new Set<net.Socket>();
  readonly server = net.createServer((client) => this.accept(client));

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  dropNextProduceAnswer(refuseMs: number): void {
    this.armed = true;
    this.refuseMs = refuseMs;
  }

  get refusing(): boolean {
    return Date.now() < this.refuseUntil;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private refuseMs = 0;

  private accept(client: net.Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(brokerPort, brokerHost);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    }
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', cut);
    upstream.on('close', cut);
    let dropped: number | undefined;
    client.on(
      'data',
      framer(
        (frame) => {
          if (this.armed && frame.readInt16BE(4) === PRODUCE_API_KEY) {
            this.armed = false;
            dropped = frame.readInt32BE(8); // its correlation id
          }
          return true;
        },
        (frame) => upstream.write(frame),
      ),
    );
    upstream.on(
      'data',
      framer(
        (frame) => {
          if (dropped === undefined || frame.readInt32BE(4) !== dropped) return true;
          this.refuseUntil = Date.now() + this.refuseMs;
          cut();
          return false;
        },
        (frame) => client.write(frame),
      ),
    );
  }
}

let admin: Admin;
let proxy: AnswerDroppingProxy;
let proxyPort: number;
const topics: string[] = [];
const producers: { disconnect(): Promise<void> }[] = [];

/** A client that reaches the broker only through the proxy, and gives up after one retry (so the test is quick). */
function proxiedProducer(): Producer {
  const kafka = new Kafka({
    clientId: 'producer-recovery',
    brokers: conn.kafka.brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 },
    socketFactory: ({ onConnect }) => net.connect(proxyPort, '127.0.0.1', onConnect),
    ...(conn.kafka.sasl ? { sasl: conn.kafka.sasl as never } : {}),
  });
  return kafka.producer({ idempotent: true, allowAutoTopicCreation: false, retry: { retries: 1 } });
}

async function newTopic(): Promise<string> {
  const topic = uniquePrefix('producer-recovery');
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  topics.push(topic);
  return topic;
}

const batchOf = (topic: string, ...values: string[]) => ({
  acks: -1,
  topicMessages: [{ topic, messages: values.map((value) => ({ key: 'k', value })) }],
});

async function recordsIn(topic: string): Promise<number> {
  const [p] = await admin.fetchTopicOffsets(topic);
  return Number(p!.high) - Number(p!.low);
}

/** Sends `first` with its answer dropped; resolves once the client gave up on it and the proxy lets clients in again. */
async function loseTheAnswer(producer: { sendBatch: Producer['sendBatch'] }, topic: string) {
  proxy.dropNextProduceAnswer(1_500);
  await expect(producer.sendBatch(batchOf(topic, 'first'))).rejects.toThrow();
  expect(await recordsIn(topic)).toBe(1); // appended, though the client was told it failed
  await pollUntil(() => !proxy.refusing, { description: 'the proxy to accept connections again' });
}

const describeTcp = conn.kafka.ssl ? describe.skip : describe; // the proxy reads frames: plaintext listeners only

describeTcp('idempotent producer after a lost produce answer (real broker)', () => {
  beforeAll(async () => {
    admin = new Kafka({
      brokers: conn.kafka.brokers,
      logLevel: logLevel.NOTHING,
      ...(conn.kafka.sasl ? { sasl: conn.kafka.sasl as never } : {}),
    }).admin();
    await admin.connect();
    proxy = new AnswerDroppingProxy();
    proxyPort = await proxy.listen();
  });

  afterAll(async () => {
    for (const p of producers) await p.disconnect().catch(() => undefined);
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await admin.disconnect();
    await proxy.close();
  });

  it('a plain kafkajs producer: refused for good, or acknowledged and dropped (the failure, reproduced)', async () => {
    const topic = await newTopic();
    const producer = proxiedProducer();
    producers.push(producer);
    await producer.connect();
    await loseTheAnswer(producer, topic);

    // Another size than the lost batch: the broker refuses it, every time.
    for (let i = 0; i < 2; i++) {
      const err = await producer.sendBatch(batchOf(topic, 'second', 'third')).catch((e: unknown) => e);
      expect(producerStateLost(err)).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
    }
    // The lost batch's size: taken for its duplicate, acknowledged, and not written.
    await expect(producer.sendBatch(batchOf(topic, 'fourth'))).resolves.toHaveLength(1);
    expect(await recordsIn(topic)).toBe(1);
  });

  it('ManagedProducer: every batch after the lost answer is written, whatever its size', async () => {
    const topic = await newTopic();
    const managed = new ManagedProducer(proxiedProducer, { warn: () => undefined });
    producers.push(managed);
    await managed.connect();
    await loseTheAnswer(managed, topic);

    await managed.sendBatch(batchOf(topic, 'fourth'));
    expect(await recordsIn(topic)).toBe(2);
    await managed.sendBatch(batchOf(topic, 'second', 'third'));
    expect(await recordsIn(topic)).toBe(4);
    expect(managed.replaced).toBe(1);
  });
});
