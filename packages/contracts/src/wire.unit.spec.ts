import avro from 'avsc';
import { sampleEvents } from '../test/fixtures.js';
import { eventSchemas, HEADER_SIZE, isSerdeError, readSchemaId, validateAvro, writeHeader } from './index.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'OK';
  } catch (err) {
    if (!isSerdeError(err)) throw err;
    expect(err.retriable).toBe(false);
    return err.code;
  }
}

describe('wire format header', () => {
  it('reads back the schema id written into the header', () => {
    const buf = Buffer.alloc(6);
    writeHeader(buf, 123_456);
    expect(readSchemaId(buf)).toBe(123_456);
  });

  it('types bad headers', () => {
    expect(codeOf(() => readSchemaId(Buffer.alloc(0)))).toBe('TRUNCATED');
    expect(codeOf(() => readSchemaId(Buffer.from([1, 0, 0, 0, 1])))).toBe('WRONG_MAGIC_BYTE');
    expect(codeOf(() => readSchemaId(Buffer.from([0, 0, 0])))).toBe('TRUNCATED');
  });
});

describe('validateAvro', () => {
  const withHeader = (body: Buffer) => Buffer.concat([Buffer.alloc(HEADER_SIZE), body]);

  it('accepts every sample event and rejects every truncation of it', () => {
    for (const event of sampleEvents()) {
      const type = eventSchemas().get(event.type)!.avroType;
      const buf = withHeader(type.toBuffer(event));
      expect(codeOf(() => validateAvro(type, buf, HEADER_SIZE))).toBe('OK');
      for (let cut = HEADER_SIZE; cut < buf.length; cut++) {
        expect(codeOf(() => validateAvro(type, buf.subarray(0, cut), HEADER_SIZE))).toBe('TRUNCATED');
      }
    }
  });

  it('fails fast on length prefixes and block counts that claim gigabytes', () => {
    const str = avro.Type.forSchema('string');
    const huge = Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f, 0x61]); // zig-zag 2^31-1 bytes follow
    expect(codeOf(() => validateAvro(str, withHeader(huge), HEADER_SIZE))).toBe('TRUNCATED');

    const arr = avro.Type.forSchema({ type: 'array', items: 'int' });
    const manyItems = Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x02]);
    expect(codeOf(() => validateAvro(arr, withHeader(manyItems), HEADER_SIZE))).toBe('TRUNCATED');

    const nulls = avro.Type.forSchema({ type: 'array', items: 'null' });
    const manyNulls = Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f]);
    expect(codeOf(() => validateAvro(nulls, withHeader(manyNulls), HEADER_SIZE))).toBe('INVALID_PAYLOAD');
  });

  it('rejects out-of-range enum symbols and union branches, and overlong varints', () => {
    const enumType = avro.Type.forSchema({ type: 'enum', name: 'E', symbols: ['A', 'B'] });
    expect(codeOf(() => validateAvro(enumType, withHeader(Buffer.from([0x04])), HEADER_SIZE))).toBe(
      'INVALID_PAYLOAD',
    );
    const union = avro.Type.forSchema(['null', 'string']);
    expect(codeOf(() => validateAvro(union, withHeader(Buffer.from([0x06])), HEADER_SIZE))).toBe(
      'INVALID_PAYLOAD',
    );
    const long = avro.Type.forSchema('long');
    expect(codeOf(() => validateAvro(long, withHeader(Buffer.alloc(11, 0xff)), HEADER_SIZE))).toBe(
      'INVALID_PAYLOAD',
    );
  });

  it('walks maps, fixed, floats and logical types', () => {
    const type = avro.Type.forSchema({
      type: 'record',
      name: 'R',
      fields: [
        { name: 'm', type: { type: 'map', values: 'double' } },
        { name: 'f', type: { type: 'fixed', name: 'F', size: 3 } },
        { name: 'x', type: 'float' },
        { name: 't', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'b', type: 'boolean' },
      ],
    });
    const buf = withHeader(
      type.toBuffer({ m: { a: 1.5, b: 2 }, f: Buffer.from('abc'), x: 1, t: 5, b: true }),
    );
    expect(codeOf(() => validateAvro(type, buf, HEADER_SIZE))).toBe('OK');
    expect(codeOf(() => validateAvro(type, buf.subarray(0, buf.length - 1), HEADER_SIZE))).toBe('TRUNCATED');
  });
});
