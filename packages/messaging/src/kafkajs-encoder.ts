import { createRequire } from 'node:module';

/** The kafkajs release whose `Encoder` the patch below was written against and checked on. */
export const PATCHED_KAFKAJS_VERSION = '2.2.4';

interface EncoderInstance {
  buf: Buffer;
  offset: number;
}

/** The parts of kafkajs' internal `Encoder` class (`kafkajs/src/protocol/encoder.js`) that the patch touches. */
export interface KafkajsEncoderClass {
  nextPowerOfTwo: (this: void, value: number) => number;
  prototype: EncoderInstance & {
    ensureAvailable: (this: EncoderInstance, length: number) => void;
    writeUVarInt: (this: EncoderInstance, value: number) => unknown;
  };
}

type Originals = Pick<KafkajsEncoderClass, 'nextPowerOfTwo'> &
  Pick<KafkajsEncoderClass['prototype'], 'ensureAvailable' | 'writeUVarInt'>;
/** The patched classes, with what the patch replaced (for `unpatchKafkajsEncoder`). */
const patched = new WeakMap<object, Originals>();

/** kafkajs' own growth rule (the next power of two strictly above `value`), never below its 512-byte start. */
const capacityFor = (value: number): number => Math.max(512, 1 << (32 - Math.clz32(value)));

function ensureAvailable(this: EncoderInstance, length: number): void {
  const needed = this.offset + length;
  if (needed <= this.buf.length) return;
  const grown = Buffer.allocUnsafe(capacityFor(needed));
  this.buf.copy(grown, 0, 0, this.offset);
  this.buf = grown;
}

/** kafkajs' unsigned LEB128 varint, byte for byte, written in place instead of through `Buffer.from(array)`. */
function writeUVarInt(this: EncoderInstance, value: number): EncoderInstance {
  ensureAvailable.call(this, 5);
  let v = value;
  while ((v & 0xffffff80) !== 0) {
    this.buf[this.offset++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  this.buf[this.offset++] = v & 0x7f;
  return this;
}

/**
 * Makes kafkajs' encoder cheaper without changing a byte it writes. kafkajs 2.2.4 builds every request from nested
 * encoders (one per record, per header, per batch...), and each starts with a zero-filled 512-byte `Buffer.alloc`, a
 * fresh ArrayBuffer, then grows with another. Every varint becomes a `Buffer.from(array)`. Encoding produce requests
 * was 11 % of a saga node's profile at 1,000 sagas/s (inclusive), ~40 µs of CPU per record (BENCHMARKS.md, session 9).
 *
 * The patch:
 * - the constructor's buffer: empty (the constructor reads the static `nextPowerOfTwo`, which now says 0);
 * - growth: `Buffer.allocUnsafe`, pooled below 4 KB, with the same capacities as before. Nothing is read that was
 *   not written: every write fills exactly the bytes it counts, and `buffer` is the slice up to `offset`;
 * - varints: their bytes written in place.
 *
 * The result: the same bytes (`kafkajs-encoder.unit.spec.ts`) for about half the CPU, ~1 point of a node's core at
 * 700 sagas/s. Applied once per process, and only to the release it was checked on. It changes the class itself, so
 * it reaches every kafkajs module, whichever loaded first. Returns whether the encoder is patched now.
 */
export function patchKafkajsEncoder(
  Encoder: KafkajsEncoderClass = loadEncoder(),
  version: string = kafkajsVersion(),
): boolean {
  if (patched.has(Encoder)) return true;
  if (version !== PATCHED_KAFKAJS_VERSION) return false;
  const proto = Encoder.prototype;
  if (typeof proto.ensureAvailable !== 'function' || typeof proto.writeUVarInt !== 'function') return false;
  patched.set(Encoder, {
    nextPowerOfTwo: Encoder.nextPowerOfTwo,
    ensureAvailable: proto.ensureAvailable,
    writeUVarInt: proto.writeUVarInt,
  });
  proto.ensureAvailable = ensureAvailable;
  proto.writeUVarInt = writeUVarInt;
  // Read only by the constructor (`Buffer.alloc(Encoder.nextPowerOfTwo(initialSize))`) once growth is ours.
  Encoder.nextPowerOfTwo = () => 0;
  return true;
}

/** Puts kafkajs' own methods back (tests compare the two encoders' bytes in one process). */
export function unpatchKafkajsEncoder(Encoder: KafkajsEncoderClass = loadEncoder()): void {
  const originals = patched.get(Encoder);
  if (!originals) return;
  Encoder.nextPowerOfTwo = originals.nextPowerOfTwo;
  Encoder.prototype.ensureAvailable = originals.ensureAvailable;
  Encoder.prototype.writeUVarInt = originals.writeUVarInt;
  patched.delete(Encoder);
}

const require = createRequire(import.meta.url);

export function loadEncoder(): KafkajsEncoderClass {
  return require('kafkajs/src/protocol/encoder') as KafkajsEncoderClass;
}

export function kafkajsVersion(): string {
  return (require('kafkajs/package.json') as { version: string }).version;
}
