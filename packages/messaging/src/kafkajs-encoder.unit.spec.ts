import { createRequire } from 'node:module';
import {
  loadEncoder,
  patchKafkajsEncoder,
  unpatchKafkajsEncoder,
  type KafkajsEncoderClass,
} from './kafkajs-encoder.js';

const require = createRequire(import.meta.url);

interface ProduceMessage {
  key: string | Buffer | null;
  value: string | Buffer | null;
  timestamp?: number;
  headers?: Record<string, string | Buffer | (string | Buffer)[]>;
}
type ProduceRequest = (args: {
  acks: number;
  timeout: number;
  compression: number;
  producerId: number;
  producerEpoch: number;
  transactionalId: string | null;
  topicData: {
    topic: string;
    partitions: { partition: number; firstSequence: number; messages: ProduceMessage[] }[];
  }[];
}) => { encode(): Promise<{ buffer: Buffer }> };

const produceV3 = require('kafkajs/src/protocol/requests/produce/v3/request') as ProduceRequest;

/** Records of every shape a saga produces and some it does not: empty, tiny, pooled and unpooled sizes. */
function records(partition: number): ProduceMessage[] {
  const big = Buffer.alloc(9_000 + partition, partition + 1);
  return [
    // Every record has a timestamp: kafkajs would stamp the others with Date.now(), and the bytes would differ.
    { key: null, value: null, timestamp: 1_764_000_000_000 },
    { key: '', value: '', timestamp: 1_763_999_999_999 },
    { key: `order-${partition}`, value: Buffer.from([0, 1, 2, 255]), timestamp: 1_764_000_000_000 },
    {
      key: Buffer.from('ördér-ünïcode-✓'),
      value: 'x'.repeat(600 + partition),
      timestamp: 1_764_000_000_123 + partition,
      headers: {
        'saga-event-type': 'PaymentAuthorized',
        'saga-event-id': 'e'.repeat(36),
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        many: ['a', Buffer.from('b'), 'ç'.repeat(300)],
      },
    },
    { key: 'k'.repeat(5_000), value: big, timestamp: 1_764_000_900_000, headers: { h: big } },
  ];
}

async function encode(): Promise<Buffer> {
  const request = produceV3({
    acks: -1,
    timeout: 30_000,
    compression: 0,
    producerId: 4_000_000_123,
    producerEpoch: 7,
    transactionalId: null,
    topicData: ['saga.orders', 'saga.payments'].map((topic) => ({
      topic,
      partitions: [0, 1, 5].map((partition) => ({
        partition,
        firstSequence: 2_147_483_000 + partition,
        messages: records(partition),
      })),
    })),
  });
  return (await request.encode()).buffer;
}

type VarIntWriter = new () => { writeVarInt(v: number): { buffer: Buffer } };
const varInts = (Encoder: KafkajsEncoderClass, values: number[]): string[] =>
  values.map((v) => new (Encoder as unknown as VarIntWriter)().writeVarInt(v).buffer.toString('hex'));

describe('the kafkajs encoder patch', () => {
  const Encoder = loadEncoder();
  let original: Buffer;

  beforeAll(async () => {
    // Another test file of this worker may have patched it (createKafka does): take kafkajs' own bytes first.
    unpatchKafkajsEncoder(Encoder);
    original = await encode();
  });
  afterAll(() => patchKafkajsEncoder(Encoder));

  it('writes the very bytes kafkajs writes, for records of every size, headers, keys and nulls', async () => {
    expect(patchKafkajsEncoder(Encoder)).toBe(true);
    const bytes = await encode();
    expect(bytes.length).toBeGreaterThan(30_000);
    expect(bytes.equals(original)).toBe(true);
    // Twice: reused pool memory holds the first request's bytes, and none of them may leak into the second.
    expect((await encode()).equals(original)).toBe(true);
  });

  it('patches once, however often it is asked', async () => {
    const { ensureAvailable } = Encoder.prototype;
    expect(patchKafkajsEncoder(Encoder)).toBe(true);
    expect(Encoder.prototype.ensureAvailable).toBe(ensureAvailable);
    expect((await encode()).equals(original)).toBe(true);
  });

  it('writes varints of every length as kafkajs does', () => {
    const values = [
      0,
      1,
      -1,
      63,
      -64,
      64,
      8_191,
      -8_192,
      1_048_575,
      2 ** 27,
      2 ** 30,
      -(2 ** 31),
      2 ** 31 - 1,
    ];
    unpatchKafkajsEncoder(Encoder);
    const theirs = varInts(Encoder, values);
    patchKafkajsEncoder(Encoder);
    expect(varInts(Encoder, values)).toEqual(theirs);
  });

  it('leaves another kafkajs release alone', () => {
    const ensureAvailable = (): void => undefined;
    const writeUVarInt = (): void => undefined;
    const other = {
      nextPowerOfTwo: (v: number) => v,
      prototype: { ensureAvailable, writeUVarInt },
    } as unknown as KafkajsEncoderClass;
    expect(patchKafkajsEncoder(other, '2.3.0')).toBe(false);
    expect(other.prototype.ensureAvailable).toBe(ensureAvailable);
    expect(other.nextPowerOfTwo(5)).toBe(5);
  });
});
