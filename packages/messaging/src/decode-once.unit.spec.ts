import { describe, expect, it } from '@jest/globals';
import type { SagaEvent } from '@saga/contracts';
import type { EventCodec } from './publisher.js';
import { decodeOnce } from './record-processor.js';
import type { RawRecord } from './retry-store.js';

const raw = (offset: string): RawRecord => ({
  topic: 'payments',
  partition: 0,
  offset,
  key: 'ord-1',
  value: Buffer.from(offset).toString('base64'),
  headers: {},
});

function countingCodec(): EventCodec & { decoded: string[] } {
  const decoded: string[] = [];
  return {
    decoded,
    encode: () => Promise.reject(new Error('not used')),
    decode(bytes) {
      decoded.push(bytes.toString());
      if (bytes.toString() === 'bad') return Promise.reject(new Error('undecodable'));
      return Promise.resolve({ type: 'PaymentAuthorized', offset: bytes.toString() } as unknown as SagaEvent);
    },
  };
}

describe('decodeOnce (several services of one process reading one record)', () => {
  it('decodes a record object once, however many lanes ask, and each record on its own', async () => {
    const codec = countingCodec();
    const decode = decodeOnce(codec);
    const a = raw('1');
    const b = raw('2');
    const [first, second] = await Promise.all([decode(a), decode(a)]);
    expect(second).toBe(first);
    await decode(b);
    expect(codec.decoded).toEqual(['1', '2']);
  });

  it('gives every lane the same failure for undecodable bytes (each dead-letters it for itself)', async () => {
    const codec = countingCodec();
    const decode = decodeOnce(codec);
    const bad = raw('bad');
    await expect(decode(bad)).rejects.toThrow('undecodable');
    await expect(decode(bad)).rejects.toThrow('undecodable');
    expect(codec.decoded).toEqual(['bad']);
  });
});
