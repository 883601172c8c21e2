/**
 * The single-process deployment end to end: two saga-node processes (apps/saga-node), each hosting the four
 * services, together one consumer group, against the real Kafka, registry and Redis. The saga's paths end exactly
 * as with four separate services (the same sequences, ledgers and stock as saga-paths.e2e.spec.ts); a node's
 * `/metrics` counts for every service it hosts; and a node stopped with SIGTERM while orders flow hands its
 * partitions to the other, which finishes every saga with money moved exactly once.
 *
 * The nodes' group is new for this run and starts at the topics' current end (see `SystemUnderTest`'s `groupId`).
 * Like the other e2e suites, it assumes no other system consumes the saga topics while it runs.
 */
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { Topics } from '@saga/contracts';
import { runAudit, formatAudit } from '@saga/audit';
import { pollUntil } from '@saga/testkit';
import { SAGA_NODE, SystemUnderTest, withAdmin } from '../support/system.js';
import { SagaDriver, uniqueSku } from '../support/saga-driver.js';
import { describeSagaPaths } from '../support/saga-paths.js';
import { mixedOrder, settle, startLoad } from '../chaos/support/load.js';

const EVENT_TOPICS: string[] = Object.values(Topics);

let system: SystemUnderTest;
let saga: SagaDriver;

beforeAll(async () => {
  system = new SystemUnderTest({ deploy: 'node', nodes: 2, timeScale: 0.01, basePort: 3900 });
  await system.start();
  saga = await SagaDriver.connect();
});

afterAll(async () => {
  await saga?.close();
  await system?.stop();
});

async function stockedSku(label: string, available = 10): Promise<string> {
  const sku = uniqueSku(label);
  await saga.setStock(sku, available);
  return sku;
}

/** The members of a consumer group, each with the partitions it was assigned (`topic:partition`, sorted). */
const membersOf = (groupId: string) =>
  withAdmin(async (admin) => {
    const { groups } = await admin.describeGroups([groupId]);
    return (groups[0]?.members ?? []).map((m) => {
      const decoded = kafkajs.AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      const partitions = Object.entries(decoded?.assignment ?? {}).flatMap(([topic, ps]) =>
        ps.map((p) => `${topic}:${p}`),
      );
      return { clientId: m.clientId, partitions: partitions.sort() };
    });
  });

/** Every partition of the saga's event topics (`topic:partition`, sorted). */
const eventPartitions = () =>
  withAdmin(async (admin) => {
    const all: string[] = [];
    for (const topic of EVENT_TOPICS)
      for (const p of await admin.fetchTopicOffsets(topic)) all.push(`${topic}:${p.partition}`);
    return all.sort();
  });

describe('saga-node: two nodes, one consumer group', () => {
  it('runs two saga-node processes, each answering as saga-node', async () => {
    const nodes = system.processes.filter((p) => p.name === SAGA_NODE);
    expect(nodes).toHaveLength(2);
    expect(system.processes).toHaveLength(2);
    for (const node of nodes) {
      const live = await fetch(`${node.url}/health/live`);
      expect(live.status).toBe(200);
      expect(await live.json()).toMatchObject({ service: 'saga-node' });
    }
  });
});

describeSagaPaths('saga-node: the paths of the saga', () => saga);

/** The `service` label values of `metric` in a Prometheus text exposition, for samples above zero. */
function servicesCounting(text: string, metric: string): Set<string> {
  const found = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)\{(.*)\}\s+(\S+)$/.exec(line);
    if (!m || m[1] !== metric || !(Number(m[3]) > 0)) continue;
    const service = /(?:^|,)service="([^"]*)"/.exec(m[2]!)?.[1];
    if (service) found.add(service);
  }
  return found;
}

/** The value of the one sample of `metric` whose labels contain `label`; NaN when there is none. */
function sampleOf(text: string, metric: string, label: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${metric}{`) && l.includes(label));
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('saga-node: metrics', () => {
  it("a node's /metrics counts consumed events under the label of each of the four services", async () => {
    // Enough sagas that each node owns a partition of every topic some of them pass through.
    const sku = await stockedSku('node-metrics', 100);
    const reqs = await Promise.all(Array.from({ length: 16 }, () => saga.place({ sku, amount: 1_000 })));
    for (const r of reqs) expect((await saga.waitForTerminal(r.metadata.orderId)).status).toBe('shipped');

    const nodes = system.processes.filter((p) => p.name === SAGA_NODE);
    for (const node of nodes) {
      const text = await pollUntil(
        async () => {
          const res = await fetch(`${node.url}/metrics`);
          expect(res.status).toBe(200);
          const body = await res.text();
          return servicesCounting(body, 'saga_events_consumed_total').size === 4 ? body : undefined;
        },
        { timeoutMs: 15_000, description: `${node.url}/metrics counting all four services` },
      );
      expect([...servicesCounting(text, 'saga_events_consumed_total')].sort()).toEqual([
        'inventory',
        'order',
        'payment',
        'shipping',
      ]);
      // One registry for the process: each metric family is exposed once, not once per hosted service.
      expect(text.match(/^# TYPE saga_events_consumed_total /gm)).toHaveLength(1);
      // The consumer's fetch rounds, timed once for the process (its one group): fetches, batches and both phases.
      const group = /saga_consumer_batch_records_count\{group="([^"]+)"\}/.exec(text)?.[1];
      expect(group).toBeDefined();
      expect(
        sampleOf(text, 'saga_consumer_fetch_duration_seconds_count', `group="${group}"`),
      ).toBeGreaterThan(0);
      const batches = sampleOf(text, 'saga_consumer_batch_records_count', `group="${group}"`);
      expect(sampleOf(text, 'saga_consumer_batch_records_sum', `group="${group}"`)).toBeGreaterThanOrEqual(
        batches,
      );
      for (const phase of ['process', 'send']) {
        expect(sampleOf(text, 'saga_consumer_batch_phase_seconds_count', `phase="${phase}"`)).toBe(batches);
        expect(sampleOf(text, 'saga_consumer_batch_phase_seconds_sum', `phase="${phase}"`)).toBeGreaterThan(
          0,
        );
      }
    }
  });
});

/** Stock for a load run: a stocked SKU and a sold-out one, both new. */
async function loadSkus(prefix: string) {
  const runId = `${prefix}-${randomUUID().slice(0, 8)}`;
  const skus = { stocked: `SKU-NODE-${runId}`, soldOut: `SKU-NODE-${runId}-SOLDOUT` };
  await saga.setStock(skus.stocked, LOAD_STOCK);
  await saga.setStock(skus.soldOut, 0);
  return { runId, skus };
}

/** Every order of a load run ended, and the audit finds nothing lost, stuck or done twice. */
async function expectSettledOnce(
  ids: string[],
  skus: { stocked: string; soldOut: string },
  settleMs: number,
) {
  expect(await settle(saga, ids, settleMs)).toEqual([]);
  const report = await runAudit(saga.redis, {
    orderIds: ids,
    initialStock: { [skus.stocked]: LOAD_STOCK, [skus.soldOut]: 0 },
    graceMs: 5_000,
  });
  if (!report.ok) process.stdout.write(`${formatAudit(report)}\n`);
  expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  expect(report.figures).toMatchObject({
    orders: ids.length,
    terminal: ids.length,
    lost: 0,
    duplicateEffects: 0,
    stuck: 0,
  });
  return report;
}

const LOAD_STOCK = 100_000;

describe('saga-node: a node leaves under load', () => {
  it('SIGTERM on one node while orders flow: the other takes over, every order ends, money moves once', async () => {
    const { runId, skus } = await loadSkus('node');
    const load = startLoad(saga, { rate: 20, seconds: 8, orderFor: mixedOrder(runId, skus) });

    await pollUntil(() => load.requested.size >= 50, {
      timeoutMs: 30_000,
      description: '50 orders requested before the SIGTERM',
    });
    const [leaving, staying] = system.processes.filter((p) => p.name === SAGA_NODE);
    expect(staying).toBeDefined();
    // Two members, the saga topics' partitions split between them (kafkajs names a client `saga-node-<pid>`).
    const before = await membersOf(system.groupId);
    expect(before.map((m) => m.clientId).sort()).toEqual(
      [leaving!, staying!].map((p) => `saga-node-${p.child.pid}`).sort(),
    );
    for (const m of before) expect(m.partitions.length).toBeGreaterThan(0);
    const requestedBefore = load.requested.size;
    // A graceful stop: it drains, commits and leaves the group, and exits 0.
    expect(await system.stopProcess(leaving!, 'SIGTERM')).toBe(0);
    await load.done;
    const ids = [...load.requested.keys()];
    expect(ids.length).toBeGreaterThan(requestedBefore);

    // The node that stays owns every partition of every saga topic, the leaving node's included.
    const after = await pollUntil(
      async () => {
        const members = await membersOf(system.groupId);
        return members.length === 1 ? members : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, description: `one member left in ${system.groupId}` },
    );
    expect(after[0]!.clientId).toBe(`saga-node-${staying!.child.pid}`);
    expect(after[0]!.partitions).toEqual(await eventPartitions());

    const report = await expectSettledOnce(ids, skus, 90_000);
    expect(report.figures.shipped).toBeGreaterThan(0);
    expect(system.processes.filter((p) => p.name === SAGA_NODE)).toEqual([staying]);
  });
});

describe('saga-node: a node crashes under load', () => {
  it('SIGKILL on a node mid-flight: after its session expires the other node replays its uncommitted records; nothing lost, no effect twice', async () => {
    // The previous test left one node; a second joins the group and takes a share of the partitions.
    await system.startNode();
    const { runId, skus } = await loadSkus('crash');
    await pollUntil(
      async () => {
        const members = await membersOf(system.groupId);
        return members.length === 2 && members.every((m) => m.partitions.length > 0);
      },
      { timeoutMs: 30_000, intervalMs: 250, description: 'two members sharing the partitions' },
    );
    const load = startLoad(saga, { rate: 20, seconds: 8, orderFor: mixedOrder(runId, skus) });
    await pollUntil(() => load.requested.size >= 50, {
      timeoutMs: 30_000,
      description: '50 orders requested before the SIGKILL',
    });
    const [crashing, surviving] = system.processes.filter((p) => p.name === SAGA_NODE);
    // No drain, no commit, no LeaveGroup: up to 200 ms of processed records were never committed.
    await system.stopProcess(crashing!, 'SIGKILL');
    await load.done;
    const ids = [...load.requested.keys()];

    await expectSettledOnce(ids, skus, 120_000);
    const after = await membersOf(system.groupId);
    expect(after.map((m) => m.clientId)).toEqual([`saga-node-${surviving!.child.pid}`]);
  });
});
