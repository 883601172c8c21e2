/**
 * Scenarios 6 and 7: what the broker may hand a consumer besides clean events. Duplicates and a full replay must
 * change nothing; poison must be dead-lettered with a reason while the consumers go on (lag back to 0).
 */
import { collect } from '@saga/audit';
import { deadLetterTopic, subjectOf, Topics, type EventType } from '@saga/contracts';
import {
  DeadLetterHeaders,
  Headers,
  loadConnectionConfig,
  type OutboundRecord,
  type ReadRecord,
} from '@saga/messaging';
import { SystemUnderTest } from '../support/system.js';
import { SagaDriver } from '../support/saga-driver.js';
import {
  newRunId,
  runScenario,
  untilRequested,
  RATE,
  SECONDS,
  type ScenarioResult,
} from './support/scenario.js';
import { CHAOS_TIMEOUT_MS } from './support/scenario.js';
import { asOutbound, recordsOfRun, SAGA_TOPICS, untilNoLag } from './support/topics.js';

let system: SystemUnderTest;
let saga: SagaDriver;
const note = (line: string): void => void process.stdout.write(`[chaos] ${line}\n`);

beforeAll(async () => {
  system = new SystemUnderTest({ timeScale: 0.01, basePort: 3740 });
  await system.start();
  saga = await SagaDriver.connect();
});

afterAll(async () => {
  await saga?.close();
  await system?.stop();
});

function expectNothingLostOrDoubled(r: ScenarioResult): void {
  expect({ lost: r.lost, duplicateEffects: r.duplicateEffects }).toEqual({ lost: 0, duplicateEffects: 0 });
  expect(r.report.checks.filter((c) => !c.ok)).toEqual([]);
  expect(r.terminal + r.stuck).toBe(r.requested);
}

/** Everything the services recorded per order, to compare before and after the duplicates. */
async function digest(orderIds: string[]): Promise<Map<string, string>> {
  const { orders } = await collect(saga.redis, { orderIds });
  return new Map(
    orders.map((o) => [
      o.orderId,
      JSON.stringify([
        o.order?.state.status,
        o.order?.timeline.length,
        o.payment?.ledger,
        o.reservation,
        o.shipment,
      ]),
    ]),
  );
}

/** Every tenth record, a deterministic 10 % sample. */
const tenPercent = <T>(items: T[]): T[] => items.filter((_, i) => i % 10 === 0);

describe('chaos: duplicates, replay and poison', () => {
  it(
    '6. 10 % of all events republished during the load, then one topic replayed from offset 0: audit unchanged',
    async () => {
      // The run's events are captured live (reading every topic from offset 0 would scan everyone's history).
      const runId = newRunId();
      const prefix = `chaos-${runId}-`;
      const seen: ReadRecord[] = [];
      const stopTail = await saga.client.tail({
        topics: SAGA_TOPICS,
        onRecord: (rec) => {
          if ((rec.headers[Headers.orderId] ?? '').startsWith(prefix)) seen.push(rec);
        },
      });
      let r: ScenarioResult;
      try {
        r = await runScenario(saga, {
          name: '6 duplicates (10 %) + replay payments from 0',
          runId,
          faultAt: 0.6,
          fault: async () => {
            const dups = tenPercent([...seen]);
            await saga.client.publishRaw(dups.map(asOutbound));
            note(`republished ${dups.length} of ${seen.length} events mid-load`);
          },
        });
      } finally {
        await stopTail();
      }
      expectNothingLostOrDoubled(r);
      const ids = [...r.ctx.load.requested.keys()];
      const before = await digest(ids);

      const dups = tenPercent([...seen].reverse());
      const replay = await recordsOfRun(saga, [Topics.payments], prefix);
      await saga.client.publishRaw([...dups, ...replay].map(asOutbound));
      note(
        `republished ${dups.length} of ${seen.length} events again and replayed ${replay.length} from payments`,
      );
      await untilNoLag(saga);

      expect(await digest(ids)).toEqual(before);
      const again = await runScenarioAudit(r);
      expect(again).toEqual(r.report.figures);
    },
    CHAOS_TIMEOUT_MS,
  );

  it(
    '7. 1 % poison (garbage, wrong magic byte, unknown schema id, corrupt Avro, near max.message.bytes) is dead-lettered; lag returns to 0',
    async () => {
      const kinds = ['garbage', 'wrong-magic', 'unknown-schema', 'corrupt-avro', 'oversized'] as const;
      const knownId = await latestSchemaId(Topics.orderRequests, 'OrderRequested');
      const poisonCount = Math.max(kinds.length, Math.round(RATE * SECONDS * 0.01));
      let keyPrefix = '';
      const r = await runScenario(saga, {
        name: '7 poison (1 %)',
        faultAt: 0.1,
        fault: async (ctx) => {
          keyPrefix = `poison-${ctx.runId}-`;
          // Spread over the load: a batch at each tenth of its progress.
          for (let i = 0; i < poisonCount; i++) {
            await untilRequested(ctx, Math.floor(((i + 1) / (poisonCount + 1)) * RATE * SECONDS));
            await saga.client.publishRaw([poison(kinds[i % kinds.length]!, `${keyPrefix}${i}`, knownId)]);
          }
        },
      });
      expectNothingLostOrDoubled(r);
      await untilNoLag(saga);
      const dead = await saga.client.readAll([deadLetterTopic('order')], (d) =>
        (d.key ?? '').startsWith(keyPrefix),
      );
      expect(dead).toHaveLength(poisonCount);
      for (const d of dead) {
        expect(d.headers[DeadLetterHeaders.errorCode]).toMatch(/^[A-Z_]+$/);
        expect(d.headers[DeadLetterHeaders.originalTopic]).toBe(Topics.orderRequests);
      }
      const reasons = [...new Set(dead.map((d) => d.headers[DeadLetterHeaders.errorCode]))].sort();
      note(`dead-lettered ${dead.length} poison records: ${reasons.join(', ')}`);
    },
    CHAOS_TIMEOUT_MS,
  );
});

/** The broker's default max.message.bytes is 1,048,588; this stays just under it, headers included. */
const NEAR_MAX_BYTES = 1_000_000;

type PoisonKind = 'garbage' | 'wrong-magic' | 'unknown-schema' | 'corrupt-avro' | 'oversized';

/** Confluent wire format: magic byte 0, then the schema id as 4 bytes big-endian. */
function header(id: number, magic = 0x00): Buffer {
  const b = Buffer.alloc(5);
  b.writeUInt8(magic, 0);
  b.writeUInt32BE(id, 1);
  return b;
}

function poison(kind: PoisonKind, key: string, knownId: number): OutboundRecord {
  const body = Buffer.from(`chaos poison ${kind} ${key}`);
  const values: Record<PoisonKind, () => Buffer> = {
    garbage: () => body,
    'wrong-magic': () => Buffer.concat([header(1, 0x07), body]),
    'unknown-schema': () => Buffer.concat([header(0x7ffffff0), body]),
    // A real schema id followed by bytes that are no OrderRequested: the Avro decode itself fails.
    'corrupt-avro': () => Buffer.concat([header(knownId), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])]),
    oversized: () => Buffer.concat([header(0x7ffffff1), Buffer.alloc(NEAR_MAX_BYTES, 0x61)]),
  };
  return { topic: Topics.orderRequests, key, value: values[kind](), headers: { 'chaos-poison': kind } };
}

/** The registry's id of the latest schema of one event type on one topic. */
async function latestSchemaId(topic: string, type: EventType): Promise<number> {
  const { url, username, password } = loadConnectionConfig().schemaRegistry;
  const headers: Record<string, string> = username
    ? { authorization: `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` }
    : {};
  const res = await fetch(`${url}/subjects/${subjectOf(topic, type)}/versions/latest`, { headers });
  if (!res.ok) throw new Error(`registry answered ${res.status} for ${subjectOf(topic, type)}`);
  return ((await res.json()) as { id: number }).id;
}

async function runScenarioAudit(r: ScenarioResult) {
  const { runAudit } = await import('@saga/audit');
  const ids = [...r.ctx.load.requested.keys()];
  const report = await runAudit(saga.redis, {
    orderIds: ids,
    initialStock: { [r.ctx.skus.stocked]: 1_000_000, [r.ctx.skus.soldOut]: 0 },
    graceMs: 5_000,
  });
  expect(report.ok).toBe(true);
  return report.figures;
}
