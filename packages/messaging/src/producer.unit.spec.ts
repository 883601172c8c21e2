import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  type Producer,
  type ProducerBatch,
  type RecordMetadata,
} from 'kafkajs';
import { ManagedProducer, producerStateLost } from './producer.js';

/** As kafkajs builds it from a produce response, then wraps it when its retrier gives up on a non-retriable one. */
const brokerSays = (type: string, code: number): Error => {
  const fromBroker = new KafkaJSProtocolError({
    type,
    code,
    retriable: false,
    message: type,
  } as unknown as Error);
  // kafkajs' retrier passes `cause` too; its type declarations leave it out.
  return Object.assign(new KafkaJSNonRetriableError(fromBroker), { cause: fromBroker });
};
const outOfOrder = () => brokerSays('OUT_OF_ORDER_SEQUENCE_NUMBER', 45);

const batch: ProducerBatch = { acks: -1, topicMessages: [{ topic: 'orders', messages: [{ value: 'x' }] }] };

/** A stand-in kafkajs producer: `answers` are what its sends return or throw, in order. */
class FakeProducer {
  sent = 0;
  connected = false;
  disconnected = false;
  constructor(
    readonly id: number,
    private readonly answers: (Error | 'ok' | Promise<never>)[],
    private readonly connectError?: Error,
  ) {}
  connect(): Promise<void> {
    if (this.connectError) return Promise.reject(this.connectError);
    this.connected = true;
    return Promise.resolve();
  }
  disconnect(): Promise<void> {
    this.disconnected = true;
    return Promise.resolve();
  }
  sendBatch(): Promise<RecordMetadata[]> {
    this.sent += 1;
    const answer = this.answers.shift() ?? 'ok';
    if (answer instanceof Promise) return answer;
    if (answer === 'ok') return Promise.resolve([{ topicName: 'orders', partition: 0, errorCode: 0 }]);
    return Promise.reject(answer);
  }
}

function managed(...producers: FakeProducer[]) {
  const made: FakeProducer[] = [];
  const warnings: unknown[][] = [];
  const warn = (...args: unknown[]) => void warnings.push(args);
  const m = new ManagedProducer(
    () => {
      const next = producers.shift();
      if (!next) throw new Error('no more producers');
      made.push(next);
      return next as unknown as Producer;
    },
    { warn },
  );
  return { m, made, warnings };
}

describe('producerStateLost', () => {
  it('finds the broker error type behind kafkajs wrappers and aggregates', () => {
    expect(producerStateLost(outOfOrder())).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
    expect(producerStateLost(brokerSays('UNKNOWN_PRODUCER_ID', 59))).toBe('UNKNOWN_PRODUCER_ID');
    expect(producerStateLost(new AggregateError([new Error('x'), outOfOrder()]))).toBe(
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
    );
  });

  it('is undefined for every other error, and for non-errors', () => {
    expect(producerStateLost(brokerSays('MESSAGE_TOO_LARGE', 10))).toBeUndefined();
    expect(producerStateLost(new KafkaJSConnectionError('refused'))).toBeUndefined();
    expect(producerStateLost('OUT_OF_ORDER_SEQUENCE_NUMBER')).toBeUndefined();
    const loop: { cause?: unknown } = {};
    loop.cause = loop;
    expect(producerStateLost(loop)).toBeUndefined();
  });
});

describe('ManagedProducer', () => {
  it('replaces a producer whose sequence state is lost and sends the batch again through the new one', async () => {
    const { m, made, warnings } = managed(new FakeProducer(1, [outOfOrder()]), new FakeProducer(2, []));
    await m.connect();

    await expect(m.sendBatch(batch)).resolves.toHaveLength(1);

    expect(made.map((p) => [p.id, p.sent])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(made[0]!.disconnected).toBe(true);
    expect(made[1]!.connected).toBe(true);
    expect(m.replaced).toBe(1);
    expect(warnings).toEqual([
      [expect.objectContaining({ reason: 'OUT_OF_ORDER_SEQUENCE_NUMBER' }), expect.any(String)],
    ]);
    // Later sends stay on the new producer.
    await m.sendBatch(batch);
    expect(made[1]!.sent).toBe(2);
  });

  it('passes any other failure to the caller, and the next send goes through a new producer id', async () => {
    // The failed request may have been appended with its answer lost: its sequence numbers are not to be reused.
    const timedOut = new Error('Request Produce(key: 0, version: 7) timed out');
    const { m, made } = managed(new FakeProducer(1, [timedOut]), new FakeProducer(2, []));
    await expect(m.sendBatch(batch)).rejects.toBe(timedOut);
    expect(made.map((p) => [p.id, p.sent])).toEqual([[1, 1]]);
    expect(made[0]!.disconnected).toBe(true);

    await m.sendBatch(batch);
    expect(made.map((p) => [p.id, p.sent])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(m.replaced).toBe(1);
  });

  it('keeps a retired producer open until the sends still on it have settled', async () => {
    let answer: (err: Error) => void = () => undefined;
    const slow = new Promise<never>((_, reject) => (answer = reject));
    // The second send is still waiting on producer 1 when the first fails.
    const { m, made } = managed(new FakeProducer(1, [new Error('lost'), slow]), new FakeProducer(2, []));
    await m.connect();
    const pending = [m.sendBatch(batch).catch(() => 'failed'), m.sendBatch(batch).catch(() => 'failed')];
    expect(await pending[0]).toBe('failed');
    expect(made[0]!.disconnected).toBe(false);
    answer(new Error('lost too'));
    expect(await pending[1]).toBe('failed');
    await Promise.resolve();
    expect(made[0]!.disconnected).toBe(true);
    expect(m.replaced).toBe(1);
  });

  it('replaces once when several sends fail on the same producer', async () => {
    const { m, made } = managed(new FakeProducer(1, [outOfOrder(), outOfOrder()]), new FakeProducer(2, []));
    await Promise.all([m.sendBatch(batch), m.sendBatch(batch)]);
    expect(made.map((p) => p.id)).toEqual([1, 2]);
    expect(made[1]!.sent).toBe(2);
    expect(m.replaced).toBe(1);
  });

  it('fails the send when the new producer fails too, and does not keep replacing in a loop', async () => {
    const { m, made } = managed(new FakeProducer(1, [outOfOrder()]), new FakeProducer(2, [outOfOrder()]));
    await expect(m.sendBatch(batch)).rejects.toThrow('OUT_OF_ORDER_SEQUENCE_NUMBER');
    expect(made).toHaveLength(2);
  });

  it('does not keep a producer that could not connect: the next send connects a new one', async () => {
    const refused = new KafkaJSConnectionError('refused');
    const { m, made } = managed(new FakeProducer(1, [], refused), new FakeProducer(2, []));
    await expect(m.connect()).rejects.toBe(refused);
    expect(made[0]!.disconnected).toBe(true);
    await expect(m.sendBatch(batch)).resolves.toHaveLength(1);
    expect(made.map((p) => [p.id, p.sent])).toEqual([
      [1, 0],
      [2, 1],
    ]);
  });

  it('disconnects the current producer', async () => {
    const { m, made } = managed(new FakeProducer(1, []));
    await m.connect();
    await m.disconnect();
    expect(made[0]!.disconnected).toBe(true);
  });
});
