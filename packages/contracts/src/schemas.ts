import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { EventTypes, type EventType } from './generated/events.js';

/** The .avsc files live next to src/ and dist/, so one relative URL works both from sources and from the build. */
export const SCHEMA_DIR = fileURLToPath(new URL('../schemas/', import.meta.url));

export type AvroSchema = Record<string, unknown>;

export interface EventSchema {
  type: EventType;
  /** Self-contained schema (shared types inlined at first use) — what we register and encode with. */
  schema: AvroSchema;
  /** `JSON.stringify(schema)`, computed once: the registry compares schema strings. */
  text: string;
  avroType: avro.Type;
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

function fullName(schema: AvroSchema): string {
  const name = typeof schema.name === 'string' ? schema.name : '';
  const ns = typeof schema.namespace === 'string' ? schema.namespace : undefined;
  return name.includes('.') || ns === undefined ? name : `${ns}.${name}`;
}

/**
 * Inlines references to shared named types. Avro allows a named type to be defined once per schema, so the first
 * reference gets the full definition and later ones keep the name. We do this on the JSON ourselves rather than via
 * avsc's `Type#schema()` because that drops `logicalType` and field docs, which we want in the registry.
 */
export function expandSchema(
  node: unknown,
  shared: ReadonlyMap<string, AvroSchema>,
  defined = new Set<string>(),
): unknown {
  if (typeof node === 'string') {
    if (PRIMITIVES.has(node) || defined.has(node)) return node;
    const def = shared.get(node);
    if (!def) throw new Error(`unknown type reference ${node}`);
    return expandSchema(def, shared, defined);
  }
  if (Array.isArray(node)) return node.map((branch) => expandSchema(branch, shared, defined));
  if (node === null || typeof node !== 'object')
    throw new Error(`invalid schema node ${JSON.stringify(node)}`);
  const obj = node as AvroSchema;
  switch (obj.type) {
    case 'record':
    case 'error': {
      defined.add(fullName(obj));
      const fields = (obj.fields as AvroSchema[]).map((f) => ({
        ...f,
        type: expandSchema(f.type, shared, defined),
      }));
      return { ...obj, fields };
    }
    case 'enum':
    case 'fixed':
      defined.add(fullName(obj));
      return obj;
    case 'array':
      return { ...obj, items: expandSchema(obj.items, shared, defined) };
    case 'map':
      return { ...obj, values: expandSchema(obj.values, shared, defined) };
    default:
      return typeof obj.type === 'string' && PRIMITIVES.has(obj.type)
        ? obj
        : { ...obj, type: expandSchema(obj.type, shared, defined) };
  }
}

/** Wraps an already self-contained schema; parsing it standalone (fresh registry) proves it is self-contained. */
export function toEventSchema(type: EventType, schema: AvroSchema): EventSchema {
  const avroType = avro.Type.forSchema(schema as avro.Schema, { registry: {} });
  return { type, schema, text: JSON.stringify(schema), avroType };
}

function readDir(dir: string): AvroSchema[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.avsc'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as AvroSchema);
}

/** Loads every event schema from `dir`, expanded and parsed. Throws on unknown references or invalid Avro. */
export function loadEventSchemas(dir: string = SCHEMA_DIR): Map<EventType, EventSchema> {
  const shared = new Map(readDir(join(dir, 'common')).map((s) => [fullName(s), s]));
  const out = new Map<EventType, EventSchema>();
  for (const raw of readDir(dir)) {
    const name = String(raw.name);
    if (!(name in EventTypes))
      throw new Error(`schema ${name} is not in the generated EventTypes; rebuild contracts`);
    out.set(name as EventType, toEventSchema(name as EventType, expandSchema(raw, shared) as AvroSchema));
  }
  for (const t of Object.values(EventTypes)) {
    if (!out.has(t)) throw new Error(`no schema file for event type ${t}`);
  }
  return out;
}

let cached: Map<EventType, EventSchema> | undefined;

/** The working-tree event schemas, loaded once per process. */
export function eventSchemas(): Map<EventType, EventSchema> {
  cached ??= loadEventSchemas();
  return cached;
}

export function eventSchema(type: EventType): EventSchema {
  const s = eventSchemas().get(type);
  if (!s) throw new Error(`no schema for event type ${type}`);
  return s;
}
