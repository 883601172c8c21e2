import { randomBytes } from 'node:crypto';
import type { ICustomPartitioner, PartitionerArgs } from 'kafkajs';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * Kafka's murmur2 (the Java client's `Utils.murmur2`) of a key's UTF-8 bytes, as a signed 32-bit int: the hash
 * kafkajs' DefaultPartitioner and the Java producer place a keyed record with. kafkajs computes it in 64-bit `Long`
 * objects, ~10 allocations per 4 bytes of key, which was ~2.5 % of a node's CPU at 1,000 sagas/s (session 15);
 * only the low 32 bits of its products ever reach the result, so `Math.imul` gives the same value. An ASCII string
 * is read in place, anything else as its UTF-8 bytes.
 */
export function murmur2(key: string | Buffer): number {
  if (typeof key !== 'string') return hash(key.length, (i) => key[i]!);
  for (let i = 0; i < key.length; i++) {
    if (key.charCodeAt(i) > 0x7f) return murmur2(Buffer.from(key, 'utf8'));
  }
  return hash(key.length, (i) => key.charCodeAt(i));
}

function hash(length: number, byteAt: (i: number) => number): number {
  let h = SEED ^ length;
  const words = length >>> 2;
  for (let w = 0; w < words; w++) {
    const i = w * 4;
    let k = byteAt(i) | (byteAt(i + 1) << 8) | (byteAt(i + 2) << 16) | (byteAt(i + 3) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  const tail = length - rest;
  if (rest === 3) h ^= byteAt(tail + 2) << 16;
  if (rest >= 2) h ^= byteAt(tail + 1) << 8;
  if (rest >= 1) h = Math.imul(h ^ byteAt(tail), M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

const toPositive = (x: number): number => x & 0x7fffffff;

/**
 * kafkajs' DefaultPartitioner (Java-compatible) with the hash above: an explicit partition is kept, a keyed record
 * goes to `murmur2(key) mod partitions` (so every key lands where kafkajs and the Java client put it), and a record
 * without a key goes round-robin over the partitions that have a leader, from a random start per topic.
 */
export const JavaCompatiblePartitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) {
      return toPositive(murmur2(message.key)) % partitionMetadata.length;
    }
    const next = (counters.get(topic) ?? randomBytes(4).readUInt32BE(0)) + 1;
    counters.set(topic, next);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length > 0) return available[toPositive(next) % available.length]!.partitionId;
    return toPositive(next) % partitionMetadata.length;
  };
};
