import avro from 'avsc';
import { EventTypes, type EventType, type SagaEvent } from './generated/events.js';
import { registerAll, subjectFor } from './registration.js';
import { RegistryClient, type RegistryConfig } from './registry-client.js';
import { eventSchemas, type EventSchema } from './schemas.js';
import { SerdeError, SerdeErrorCodes } from './serde-errors.js';
import { HEADER_SIZE, readSchemaId, validateAvro, writeHeader } from './wire.js';

export interface SerdeOptions extends RegistryConfig {
  /** Prepended to every subject; tests use a unique one to stay isolated on a shared registry. */
  subjectPrefix?: string;
  /** Reader/writer schemas; defaults to the working tree's. Tests pass evolved versions here. */
  schemas?: ReadonlyMap<EventType, EventSchema>;
  /** Register a subject on first encode if it is not registered yet (default true; idempotent). */
  autoRegister?: boolean;
}

export interface DecodedRaw {
  schemaId: number;
  /** Full record name of the writer schema, e.g. ordersaga.events.OrderCreated. */
  recordName: string;
  writerSchema: string;
  /** Decoded with the writer schema itself, no resolution: what was actually sent. */
  value: Record<string, unknown>;
}

export interface Serde {
  register(): Promise<void>;
  encode(event: SagaEvent): Promise<Buffer>;
  decode(buf: Buffer): Promise<SagaEvent>;
  decodeRaw(buf: Buffer): Promise<DecodedRaw>;
  readonly registry: RegistryClient;
}

interface Writer {
  text: string;
  type: avro.Type;
  recordName: string;
}

interface Reader {
  eventType: EventType;
  writer: Writer;
  readerType: avro.Type;
  /** undefined when writer and reader schemas are identical: plain decode, no resolution needed. */
  resolver: avro.Resolver | undefined;
}

const NAMESPACE_PREFIX = 'ordersaga.events.';

export function createSerde(options: SerdeOptions): Serde {
  const registry = new RegistryClient(options);
  const schemas = options.schemas ?? eventSchemas();
  const prefix = options.subjectPrefix ?? '';
  const autoRegister = options.autoRegister ?? true;
  // Promises are cached (not values) so concurrent first uses share one registry round trip. Failures that can
  // heal (registry down) are evicted; permanent ones stay cached because a schema id's content never changes.
  const idByType = new Map<EventType, Promise<number>>();
  const writerById = new Map<number, Promise<Writer>>();
  const readerById = new Map<number, Promise<Reader>>();
  let scratch = Buffer.allocUnsafe(64 * 1024);

  function cached<K, V>(map: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
    let p = map.get(key);
    if (!p) {
      p = load();
      map.set(key, p);
      p.catch((err: unknown) => {
        if (!(err instanceof SerdeError) || err.retriable) map.delete(key);
      });
    }
    return p;
  }

  function schemaFor(type: string): EventSchema {
    const s = schemas.get(type as EventType);
    if (!s) throw new SerdeError(SerdeErrorCodes.UNKNOWN_EVENT_TYPE, `unknown event type ${type}`);
    return s;
  }

  function schemaId(s: EventSchema): Promise<number> {
    return cached(idByType, s.type, async () => {
      const subject = subjectFor(s.type, prefix);
      try {
        return await registry.lookup(subject, s.text);
      } catch (err) {
        if (
          !autoRegister ||
          !(err instanceof SerdeError) ||
          err.code !== SerdeErrorCodes.SCHEMA_NOT_REGISTERED
        ) {
          throw err;
        }
        return registry.register(subject, s.text);
      }
    });
  }

  function writer(id: number): Promise<Writer> {
    return cached(writerById, id, async () => {
      const text = await registry.schemaById(id);
      let type: avro.Type;
      try {
        type = avro.Type.forSchema(JSON.parse(text) as avro.Schema, { registry: {} });
      } catch (err) {
        throw new SerdeError(SerdeErrorCodes.UNKNOWN_EVENT_TYPE, `schema ${id} is not a usable Avro schema`, {
          cause: err,
        });
      }
      return { text, type, recordName: type.name ?? type.typeName };
    });
  }

  function reader(id: number): Promise<Reader> {
    return cached(readerById, id, async () => {
      const w = await writer(id);
      const short = w.recordName.startsWith(NAMESPACE_PREFIX)
        ? w.recordName.slice(NAMESPACE_PREFIX.length)
        : '';
      if (!(short in EventTypes) || !schemas.has(short as EventType)) {
        throw new SerdeError(
          SerdeErrorCodes.UNKNOWN_EVENT_TYPE,
          `schema ${id} is ${w.recordName}, not a saga event`,
        );
      }
      const own = schemaFor(short);
      if (own.text === w.text)
        return { eventType: own.type, writer: w, readerType: own.avroType, resolver: undefined };
      try {
        const resolver = own.avroType.createResolver(w.type);
        return { eventType: own.type, writer: w, readerType: own.avroType, resolver };
      } catch (err) {
        throw new SerdeError(
          SerdeErrorCodes.SCHEMA_INCOMPATIBLE,
          `cannot read ${w.recordName} written with schema ${id} using our schema: ${(err as Error).message}`,
          { cause: err },
        );
      }
    });
  }

  function encodeSync(s: EventSchema, id: number, event: SagaEvent): Buffer {
    // avsc writes only the declared fields, so the `type` discriminator is ignored without copying the event.
    for (;;) {
      let end: number;
      try {
        end = s.avroType.encode(event, scratch, HEADER_SIZE);
      } catch (err) {
        throw new SerdeError(
          SerdeErrorCodes.INVALID_EVENT,
          `${s.type} does not match its schema: ${invalidPaths(s, event)}`,
          {
            cause: err,
          },
        );
      }
      if (end >= 0) {
        writeHeader(scratch, id);
        return Buffer.from(scratch.subarray(0, end));
      }
      // Negative = the buffer was too small by that many bytes; grow and retry once more.
      scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, HEADER_SIZE - end + scratch.length));
    }
  }

  return {
    registry,
    async register() {
      const ids = await registerAll(registry, schemas, prefix);
      for (const [type, id] of ids) idByType.set(type, Promise.resolve(id));
    },
    async encode(event) {
      const s = schemaFor(event.type);
      return encodeSync(s, await schemaId(s), event);
    },
    async decode(buf) {
      const r = await reader(readSchemaId(buf));
      validateAvro(r.writer.type, buf, HEADER_SIZE);
      const decoded: Decoded<object> = r.readerType.decode(buf, HEADER_SIZE, r.resolver);
      if (decoded.offset < 0) throw truncated();
      // The discriminator comes from the writer's record name; assigning onto the fresh record avoids a copy.
      return Object.assign(decoded.value, { type: r.eventType }) as SagaEvent;
    },
    async decodeRaw(buf) {
      const id = readSchemaId(buf);
      const w = await writer(id);
      validateAvro(w.type, buf, HEADER_SIZE);
      const decoded: Decoded<Record<string, unknown>> = w.type.decode(buf, HEADER_SIZE);
      if (decoded.offset < 0) throw truncated();
      return { schemaId: id, recordName: w.recordName, writerSchema: w.text, value: decoded.value };
    },
  };
}

interface Decoded<T> {
  value: T;
  offset: number;
}

const truncated = () => new SerdeError(SerdeErrorCodes.TRUNCATED, 'Avro payload ends before the record does');

function invalidPaths(s: EventSchema, event: unknown): string {
  const paths: string[] = [];
  s.avroType.isValid(event, { errorHook: (path) => paths.push(path.join('.') || '(root)') });
  return paths.length ? `invalid at ${paths.join(', ')}` : 'invalid value';
}
