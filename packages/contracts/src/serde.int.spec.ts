import { loadConnectionConfig } from '@saga/messaging';
import { sampleEvents, uniqueSubjectPrefix } from '../test/fixtures.js';
import {
  createSerde,
  DEFAULT_COMPATIBILITY,
  eventSchemas,
  isSerdeError,
  RegistryClient,
  subjectFor,
  toEventSchema,
  writeHeader,
  type AvroSchema,
  type EventSchema,
  type EventType,
  type SagaEvent,
  type SerdeErrorCode,
} from './index.js';

const registryUrl = loadConnectionConfig().schemaRegistry.url;

async function expectSerdeError(p: Promise<unknown>, code: SerdeErrorCode, retriable = false): Promise<void> {
  const err: unknown = await p.then(
    () => new Error('expected a SerdeError'),
    (e: unknown) => e,
  );
  if (!isSerdeError(err)) throw err;
  expect({ code: err.code, retriable: err.retriable }).toEqual({ code, retriable });
}

/** A v2 of one event: the same schema with `edit` applied to a deep copy. */
function evolve(type: EventType, edit: (schema: AvroSchema & { fields: AvroSchema[] }) => void): EventSchema {
  const copy = structuredClone(eventSchemas().get(type)!.schema) as AvroSchema & { fields: AvroSchema[] };
  edit(copy);
  return toEventSchema(type, copy);
}

describe('serde against the real registry', () => {
  it('registers idempotently with FULL (backward + forward) compatibility per subject', async () => {
    const prefix = uniqueSubjectPrefix('register');
    const serde = createSerde({ url: registryUrl, subjectPrefix: prefix });
    await serde.register();
    await serde.register();
    const subjects = (await serde.registry.subjects()).filter((s) => s.startsWith(prefix));
    expect(subjects).toHaveLength(16);
    const subject = subjectFor('OrderCreated', prefix);
    expect(subject).toBe(`${prefix}orders-ordersaga.events.OrderCreated`);
    const res = await fetch(`${registryUrl}/config/${encodeURIComponent(subject)}`);
    expect(((await res.json()) as { compatibilityLevel: string }).compatibilityLevel).toBe('FULL');
    const versions = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}/versions`);
    expect(await versions.json()).toEqual([1]);
  });

  it('round-trips every event type', async () => {
    const serde = createSerde({ url: registryUrl, subjectPrefix: uniqueSubjectPrefix('roundtrip') });
    await serde.register();
    for (const event of sampleEvents()) {
      const bytes = await serde.encode(event);
      expect(bytes[0]).toBe(0);
      expect(await serde.decode(bytes)).toEqual(event);
    }
    expect(new Set(sampleEvents().map((e) => e.type)).size).toBe(16);
  });

  it('auto-registers on first encode and exposes the raw writer view', async () => {
    const serde = createSerde({ url: registryUrl, subjectPrefix: uniqueSubjectPrefix('auto') });
    const event = sampleEvents().find((e) => e.type === 'OrderShipped')!;
    const raw = await serde.decodeRaw(await serde.encode(event));
    expect(raw.recordName).toBe('ordersaga.events.OrderShipped');
    expect(raw.value.trackingNumber).toBe('TRK1');
  });

  it('lets v1 readers read v2 writers and the reverse (field added with a default, enum symbol added)', async () => {
    const prefix = uniqueSubjectPrefix('evolve');
    const v2 = new Map(eventSchemas());
    v2.set(
      'OrderShipped',
      evolve('OrderShipped', (s) => s.fields.push({ name: 'carrierNote', type: 'string', default: 'none' })),
    );
    v2.set(
      'ShipmentFailed',
      evolve('ShipmentFailed', (s) => {
        const failure = s.fields.find((f) => f.name === 'failure')!.type as { fields: AvroSchema[] };
        const reason = failure.fields.find((f) => f.name === 'reason')!.type as { symbols: string[] };
        reason.symbols.splice(reason.symbols.length - 1, 0, 'FRAUD_SUSPECTED');
      }),
    );
    const v1Serde = createSerde({ url: registryUrl, subjectPrefix: prefix });
    const v2Serde = createSerde({ url: registryUrl, subjectPrefix: prefix, schemas: v2 });
    await v1Serde.register();
    await v2Serde.register(); // accepted: both changes are FULL compatible

    const shipped = sampleEvents().find((e) => e.type === 'OrderShipped')!;
    const fromV1 = (await v2Serde.decode(await v1Serde.encode(shipped))) as SagaEvent & {
      carrierNote?: string;
    };
    expect(fromV1.carrierNote).toBe('none');
    const fromV2 = await v1Serde.decode(
      await v2Serde.encode({ ...shipped, carrierNote: 'fragile' } as SagaEvent),
    );
    expect(fromV2).toEqual(shipped);

    const failed = sampleEvents().find((e) => e.type === 'ShipmentFailed')!;
    const fraud = {
      ...failed,
      failure: { step: 'SHIP_ORDER', reason: 'FRAUD_SUSPECTED', message: 'x' },
    } as unknown as SagaEvent;
    const seenByV1 = await v1Serde.decode(await v2Serde.encode(fraud));
    expect(seenByV1.type === 'ShipmentFailed' && seenByV1.failure.reason).toBe('UNKNOWN');
  });

  describe('incompatible changes are rejected by the registry', () => {
    const client = new RegistryClient({ url: registryUrl });
    const v1 = {
      type: 'record',
      name: 'Probe',
      namespace: 'ordersaga.test',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'qty', type: 'int' },
      ],
    };
    async function subjectWithV1(): Promise<string> {
      const subject = `${uniqueSubjectPrefix('compat')}probe`;
      await client.register(subject, JSON.stringify(v1));
      await client.setCompatibility(subject, DEFAULT_COMPATIBILITY);
      return subject;
    }
    const withFields = (fields: unknown[]) => JSON.stringify({ ...v1, fields });

    it('rejects a new field without a default', async () => {
      const subject = await subjectWithV1();
      const v2 = withFields([...v1.fields, { name: 'note', type: 'string' }]);
      expect((await client.checkCompatibility(subject, v2)).status).toBe('incompatible');
      await expectSerdeError(client.register(subject, v2), 'SCHEMA_INCOMPATIBLE');
    });

    it('rejects a changed field type', async () => {
      const subject = await subjectWithV1();
      const v2 = withFields([v1.fields[0], { name: 'qty', type: 'string' }]);
      expect((await client.checkCompatibility(subject, v2)).status).toBe('incompatible');
      await expectSerdeError(client.register(subject, v2), 'SCHEMA_INCOMPATIBLE');
    });

    it('rejects a field removed without a default (old readers could not read the new events)', async () => {
      const subject = await subjectWithV1();
      const v2 = withFields([v1.fields[0]]);
      expect((await client.checkCompatibility(subject, v2)).status).toBe('incompatible');
      await expectSerdeError(client.register(subject, v2), 'SCHEMA_INCOMPATIBLE');
    });

    it('accepts a field added with a default', async () => {
      const subject = await subjectWithV1();
      const added = withFields([...v1.fields, { name: 'note', type: 'string', default: '' }]);
      expect((await client.checkCompatibility(subject, added)).status).toBe('compatible');
      expect((await client.checkCompatibility(`${subject}-nope`, added)).status).toBe('new');
    });
  });

  describe('undecodable bytes give typed, non-retriable errors', () => {
    const serde = createSerde({ url: registryUrl, subjectPrefix: uniqueSubjectPrefix('bad') });
    let valid: Buffer;
    beforeAll(async () => {
      await serde.register();
      valid = await serde.encode(sampleEvents().find((e) => e.type === 'OrderCreated')!);
    });

    it('wrong magic byte', async () => {
      const bad = Buffer.from(valid);
      bad[0] = 1;
      await expectSerdeError(serde.decode(bad), 'WRONG_MAGIC_BYTE');
    });

    it('shorter than the header', async () => {
      await expectSerdeError(serde.decode(valid.subarray(0, 3)), 'TRUNCATED');
    });

    it('unknown schema id', async () => {
      const bad = Buffer.from(valid);
      writeHeader(bad, 2_000_000_000);
      await expectSerdeError(serde.decode(bad), 'UNKNOWN_SCHEMA_ID');
    });

    it('truncated Avro', async () => {
      await expectSerdeError(serde.decode(valid.subarray(0, valid.length - 3)), 'TRUNCATED');
      await expectSerdeError(serde.decodeRaw(valid.subarray(0, 12)), 'TRUNCATED');
    });

    it('a length prefix claiming gigabytes fails fast', async () => {
      const bad = Buffer.concat([valid.subarray(0, 5), Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f])]);
      const started = Date.now();
      await expectSerdeError(serde.decode(bad), 'TRUNCATED');
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('a record that is not a saga event', async () => {
      const subject = `${uniqueSubjectPrefix('alien')}alien`;
      const id = await serde.registry.register(
        subject,
        JSON.stringify({
          type: 'record',
          name: 'Alien',
          namespace: 'elsewhere',
          fields: [{ name: 'x', type: 'int' }],
        }),
      );
      const bytes = Buffer.from([0, 0, 0, 0, 0, 2]);
      writeHeader(bytes, id);
      await expectSerdeError(serde.decode(bytes), 'UNKNOWN_EVENT_TYPE');
      expect((await serde.decodeRaw(bytes)).value).toEqual({ x: 1 });
    });
  });

  it('registry down is REGISTRY_UNAVAILABLE and retriable', async () => {
    const serde = createSerde({ url: 'http://127.0.0.1:1/apis/ccompat/v7', timeoutMs: 2000 });
    const bytes = Buffer.from([0, 0, 0, 0, 7, 0]);
    await expectSerdeError(serde.decode(bytes), 'REGISTRY_UNAVAILABLE', true);
    await expectSerdeError(serde.encode(sampleEvents()[0]!), 'REGISTRY_UNAVAILABLE', true);
    await expectSerdeError(serde.register(), 'REGISTRY_UNAVAILABLE', true);
  });
});
