import { readFileSync } from 'node:fs';
import { generateTypes, OUTPUT_FILE, readSchemas } from '../scripts/generate-types.mjs';
import { eventSchemas, EventTypes, FailureReasons, SagaSteps } from './index.js';

describe('generated types', () => {
  it('match the committed src/generated/events.ts (run `npm run generate -w @saga/contracts` if this fails)', () => {
    expect(readFileSync(OUTPUT_FILE, 'utf8')).toBe(generateTypes(readSchemas()));
  });

  it('has one event type per event schema file', () => {
    const names = readSchemas().events.map((s) => String(s.name));
    expect(Object.keys(EventTypes).sort()).toEqual(names.sort());
  });

  it('generates enum value objects from the schema symbols', () => {
    expect(FailureReasons.OUT_OF_STOCK).toBe('OUT_OF_STOCK');
    expect(Object.keys(SagaSteps)).toContain('UNKNOWN');
  });

  it('rejects inline named types so shared types stay in schemas/common', () => {
    const bad = {
      common: [],
      events: [
        {
          type: 'record',
          name: 'X',
          fields: [{ name: 'e', type: { type: 'enum', name: 'E', symbols: ['A'] } }],
        },
      ],
    };
    expect(() => generateTypes(bad)).toThrow(/inline named type/);
  });

  it('expands every event schema into a self-contained Avro schema keeping defaults and logical types', () => {
    const schemas = eventSchemas();
    expect(schemas.size).toBe(16);
    const text = schemas.get('OrderCancelled')!.text;
    expect(text).toContain('"logicalType":"timestamp-millis"');
    expect(text).toContain('"default":"UNKNOWN"');
    // A shared type is defined once, at its first use, and referenced by name afterwards.
    const created = schemas.get('OrderCreated')!.text;
    expect(created.match(/"name":"ShippingAddress"/g)).toHaveLength(1);
  });
});
