import type avro from 'avsc';
import { SerdeError, SerdeErrorCodes } from './serde-errors.js';

/**
 * Confluent wire format: [0x00 magic][int32 BE schema id][Avro binary]. Pure functions, no I/O.
 */
export const MAGIC_BYTE = 0;
export const HEADER_SIZE = 5;

/** Returns the schema id, or throws the typed error that says why these bytes are not ours. */
export function readSchemaId(buf: Buffer): number {
  if (buf.length < 1) throw new SerdeError(SerdeErrorCodes.TRUNCATED, 'empty message');
  if (buf[0] !== MAGIC_BYTE) {
    throw new SerdeError(SerdeErrorCodes.WRONG_MAGIC_BYTE, `expected magic byte 0, got ${String(buf[0])}`);
  }
  if (buf.length < HEADER_SIZE) {
    throw new SerdeError(
      SerdeErrorCodes.TRUNCATED,
      `message of ${buf.length} bytes is shorter than the header`,
    );
  }
  return buf.readInt32BE(1);
}

export function writeHeader(buf: Buffer, schemaId: number): void {
  buf[0] = MAGIC_BYTE;
  buf.writeInt32BE(schemaId, 1);
}

// Sentinels instead of exceptions/tuples so the walk allocates nothing on the hot path.
const TRUNC = -1;
const INVALID = -2;
let varint = 0;

/** Reads a zig-zag varint at pos into `varint`; returns the next position or TRUNC/INVALID. */
function readVarint(buf: Buffer, pos: number): number {
  let raw = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) return TRUNC;
    const b = buf[pos++]!;
    raw += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      varint = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      return pos;
    }
    scale *= 128;
  }
  return INVALID;
}

const zeroSizeCache = new WeakMap<avro.Type, boolean>();

/** Whether a value of this type can encode to zero bytes (then a block count is not bounded by the input size). */
function canBeEmpty(type: avro.Type): boolean {
  let v = zeroSizeCache.get(type);
  if (v === undefined) {
    const t = type as unknown as { typeName: string; fields?: { type: avro.Type }[]; size?: number };
    if (t.typeName === 'null') v = true;
    else if (t.typeName === 'record' || t.typeName === 'error')
      v = t.fields!.every((f) => canBeEmpty(f.type));
    else if (t.typeName === 'fixed') v = t.size === 0;
    else v = false;
    zeroSizeCache.set(type, v);
  }
  return v;
}

/** Blocks of zero-size items are not bounded by input size; cap them so `[count=1e15]` can't spin forever. */
const MAX_EMPTY_ITEMS = 1_000_000;

interface AnyType {
  typeName: string;
  fields: { type: AnyType }[];
  types: AnyType[];
  itemsType: AnyType;
  valuesType: AnyType;
  symbols: string[];
  size: number;
  underlyingType: AnyType;
}

function skip(t: AnyType, buf: Buffer, pos: number): number {
  switch (t.typeName) {
    case 'null':
      return pos;
    case 'boolean':
      if (pos >= buf.length) return TRUNC;
      return buf[pos]! > 1 ? INVALID : pos + 1;
    case 'int':
    case 'long':
      return readVarint(buf, pos);
    case 'float':
      return pos + 4 > buf.length ? TRUNC : pos + 4;
    case 'double':
      return pos + 8 > buf.length ? TRUNC : pos + 8;
    case 'fixed':
      return pos + t.size > buf.length ? TRUNC : pos + t.size;
    case 'bytes':
    case 'string': {
      const p = readVarint(buf, pos);
      if (p < 0) return p;
      if (varint < 0) return INVALID;
      return p + varint > buf.length ? TRUNC : p + varint;
    }
    case 'enum': {
      const p = readVarint(buf, pos);
      return p < 0 ? p : varint < 0 || varint >= t.symbols.length ? INVALID : p;
    }
    case 'union:unwrapped':
    case 'union:wrapped': {
      const p = readVarint(buf, pos);
      if (p < 0) return p;
      const branch = t.types[varint];
      return varint < 0 || !branch ? INVALID : skip(branch, buf, p);
    }
    case 'record':
    case 'error': {
      let p = pos;
      for (const f of t.fields) {
        p = skip(f.type, buf, p);
        if (p < 0) return p;
      }
      return p;
    }
    case 'array':
    case 'map':
      return skipBlocks(t, buf, pos);
    default:
      if (t.typeName.startsWith('logical:')) return skip(t.underlyingType, buf, pos);
      return INVALID;
  }
}

function skipBlocks(t: AnyType, buf: Buffer, pos: number): number {
  const isMap = t.typeName === 'map';
  const item = isMap ? t.valuesType : t.itemsType;
  const emptyOk = !isMap && canBeEmpty(item as unknown as avro.Type);
  let p = pos;
  for (;;) {
    p = readVarint(buf, p);
    if (p < 0) return p;
    let count = varint;
    if (count === 0) return p;
    if (count < 0) {
      count = -count;
      p = readVarint(buf, p); // block size in bytes, unused
      if (p < 0) return p;
    }
    // Every non-empty item takes at least one byte, so a count larger than what is left is a lie: fail before
    // avsc pre-allocates `new Array(count)`.
    if (emptyOk ? count > MAX_EMPTY_ITEMS : count > buf.length - p) return emptyOk ? INVALID : TRUNC;
    for (let i = 0; i < count; i++) {
      if (isMap) {
        p = skip(STRING, buf, p);
        if (p < 0) return p;
      }
      p = skip(item, buf, p);
      if (p < 0) return p;
    }
  }
}

const STRING = { typeName: 'string' } as AnyType;

/**
 * Walks the Avro bytes against the writer schema without materialising anything, so malformed input (length
 * prefixes claiming gigabytes, bad union/enum indices, early end) fails typed before avsc allocates for it.
 */
export function validateAvro(writer: avro.Type, buf: Buffer, pos: number): void {
  let end: number;
  try {
    end = skip(writer as unknown as AnyType, buf, pos);
  } catch (err) {
    // Only a pathologically deep recursive schema gets here (stack overflow).
    throw new SerdeError(SerdeErrorCodes.INVALID_PAYLOAD, 'payload nesting too deep', { cause: err });
  }
  if (end === TRUNC)
    throw new SerdeError(SerdeErrorCodes.TRUNCATED, 'Avro payload ends before the record does');
  if (end === INVALID)
    throw new SerdeError(SerdeErrorCodes.INVALID_PAYLOAD, 'Avro payload is not valid for its schema');
}
