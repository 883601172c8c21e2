/**
 * The user-facing CLI as a user runs it: `node packages/cli/bin/saga.js …` as a separate process against the real
 * stack, with the four services running as processes (ports 3400–3403, SAGA_TIME_SCALE 0.01). Assertions are on
 * stdout, stderr and exit codes only.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { loadConnectionConfig, createEventClient, type EventClient } from '@saga/messaging';
import { recoverGateway } from '@saga/payment-service';
import { pollUntil } from '@saga/testkit';
import { SystemUnderTest } from '../../../test/support/system.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = join(ROOT, 'packages', 'cli', 'bin', 'saga.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function saga(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, timeout: 120_000, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

const json = <T>(r: Run): T => JSON.parse(r.stdout) as T;

let system: SystemUnderTest;
let client: EventClient;
let sku: string;

beforeAll(async () => {
  system = new SystemUnderTest({ timeScale: 0.01, basePort: 3400 });
  await system.start();
  client = await createEventClient(loadConnectionConfig(), { clientId: 'cli-int' });
  sku = `SKU-CLI-${randomUUID().slice(0, 8).toUpperCase()}`;
  const set = await saga('stock', 'set', sku, '10');
  expect(set.code).toBe(0);
});

afterAll(async () => {
  await client?.close();
  await system?.stop();
});

const order = (...extra: string[]) => [
  'order',
  'place',
  '--sku',
  sku,
  '--quantity',
  '2',
  '--amount',
  '4200',
  '--currency',
  'EUR',
  ...extra,
];

describe('saga order', () => {
  let shippedId: string;

  it('place --wait prints the timeline live and exits 0 when shipped', async () => {
    shippedId = `cli-${randomUUID()}`;
    const r = await saga(...order('--card', 'tok_unavailable_1', '--order-id', shippedId, '--wait'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`placed order ${shippedId}`);
    expect(r.stdout).toMatch(/^\s*\+\d+\.\d{3}s\s+payment\s+PaymentAuthorized\s+attempt 2\s+/m);
    for (const type of ['OrderCreated', 'ItemReserved', 'PaymentCaptured', 'ShipmentCreated', 'OrderShipped'])
      expect(r.stdout).toContain(type);
    expect(r.stdout.trim().split('\n').at(-1)).toBe(`order ${shippedId}: shipped`);
  });

  it('place --wait exits 2 when the order is cancelled', async () => {
    const r = await saga(...order('--card', 'tok_insufficient_funds', '--wait', '--timeout', '60'));
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('PaymentAuthorizationFailed');
    expect(r.stdout).toMatch(/: cancelled\n$/);
  });

  it('place --no-validate lets an invalid request travel: the order service rejects it (exit 2)', async () => {
    const r = await saga(...order('--card', 'tok_approve', '--country', 'gb', '--no-validate', '--wait'));
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('OrderRejected');
  });

  it('show: status, money, stock effect, shipment and timeline; --json too', async () => {
    const r = await saga('order', 'show', shippedId);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`order ${shippedId}: shipped`);
    expect(r.stdout).toContain('authorized 4200, captured 4200, voided 0, refunded 0 EUR');
    expect(r.stdout).toContain(`stock ${sku}: reserved, effect -2 held`);
    expect(r.stdout).toMatch(/shipment: \S+ with /);
    expect(r.stdout).toMatch(/timeline:\n\s+\+0\.000s\s+saga-cli\s+OrderRequested/);
    const report = json<{ status: string; timeline: unknown[] }>(
      await saga('order', 'show', shippedId, '--json'),
    );
    expect(report.status).toBe('shipped');
    expect(report.timeline.length).toBeGreaterThanOrEqual(7);
  });

  it('stock reflects the shipped order', async () => {
    const r = await saga('stock', 'get', sku);
    expect(r.stdout).toContain(`${sku}: available 8`);
  });

  it('list: newest first, filtered by status', async () => {
    // Other suites (and benchmarks) share the index, so look in a wide window rather than the newest few.
    const all = json<{ orderId: string; createdAt: number }[]>(
      await saga('order', 'list', '--json', '--limit', '5000'),
    );
    expect(all.map((o) => o.orderId)).toContain(shippedId);
    const times = all.map((o) => o.createdAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const shipped = json<{ status: string }[]>(await saga('order', 'list', '--status', 'shipped', '--json'));
    expect(shipped.every((o) => o.status === 'shipped')).toBe(true);
    const text = await saga('order', 'list', '--limit', '5');
    expect(text.code).toBe(0);
    const stuck = await saga('order', 'list', '--stuck', '--limit', '10000');
    expect(stuck.code).toBe(0);
  });

  it('tail --order sees the saga events of a placed order', async () => {
    const r = await saga(
      'tail',
      '--order',
      shippedId,
      '--from-beginning',
      '--max',
      '7',
      '--idle-exit',
      '60',
      '--topic',
      'order-requests',
      '--topic',
      'orders',
      '--topic',
      'payments',
      '--topic',
      'inventory',
      '--topic',
      'shipping',
    );
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines.every((l) => l.includes(shippedId))).toBe(true);
    expect(lines.join('\n')).toMatch(/payments\s+PaymentCaptured/);
  });

  it('tail --raw shows the record as written, the card token redacted', async () => {
    const r = await saga(
      'tail',
      '--order',
      shippedId,
      '--from-beginning',
      '--raw',
      '--max',
      '1',
      '--topic',
      'order-requests',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/order-requests\s+OrderRequested\s+.*schema \d+ \{/);
    expect(r.stdout).toContain('"paymentToken":"[redacted]"');
    expect(r.stdout).not.toContain('tok_unavailable_1');
  });
});

describe('a stuck order', () => {
  it('show says stuck with the parked retry, list --stuck has it, retry after recovery unwinds it', async () => {
    const id = `cli-stuck-${randomUUID()}`;
    // Shipping fails (AQ), so payment must refund, but the refund gateway is down: the compensation is parked.
    const placed = await saga(...order('--card', 'tok_refund_outage', '--country', 'AQ', '--order-id', id));
    expect(placed.code).toBe(0);
    const report = await pollUntil(
      async () => {
        const r = await saga('order', 'show', id, '--json');
        return r.code === 0 && json<{ status: string }>(r).status === 'stuck' ? r : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, description: `order ${id} to be stuck` },
    );
    expect(json<{ retries: { service: string; parked: boolean }[] }>(report).retries).toContainEqual(
      expect.objectContaining({ service: 'payment', parked: true }),
    );
    const text = await saga('order', 'show', id);
    expect(text.stdout).toContain(`order ${id}: stuck (saga status pending)`);
    expect(text.stdout).toMatch(/payment: ShipmentFailed attempt \d+ .*parked since .*GATEWAY_UNAVAILABLE/);
    const stuck = await saga('order', 'list', '--stuck', '--limit', '10000');
    expect(stuck.stdout).toMatch(new RegExp(`${id}\\s+payment\\s+ShipmentFailed`));
    const listed = json<{ orderId: string; stuck: boolean }[]>(
      await saga('order', 'list', '--json', '--limit', '5000'),
    );
    expect(listed.find((o) => o.orderId === id)?.stuck).toBe(true);

    const redis = new Redis(loadConnectionConfig().redis.url);
    try {
      await recoverGateway(redis, id);
    } finally {
      redis.disconnect();
    }
    expect((await saga('order', 'retry', id)).code).toBe(0);
    await pollUntil(
      async () => {
        const r = await saga('order', 'show', id, '--json');
        return json<{ status: string }>(r).status === 'cancelled';
      },
      { timeoutMs: 60_000, intervalMs: 500, description: `order ${id} to be cancelled after the retry` },
    );
  });
});

describe('saga dlq', () => {
  async function deadLetterOf(key: string, redrives: number) {
    return pollUntil(
      async () => {
        const list = json<{ id: string; key: string; redriveCount: number; errorCode: string }[]>(
          await saga('dlq', 'list', '--service', 'order', '--json'),
        );
        return list.find((l) => l.key === key && l.redriveCount === redrives);
      },
      { timeoutMs: 60_000, intervalMs: 500, description: `dead letter of ${key} (redrives ${redrives})` },
    );
  }

  it('lists a poison record, redrives it once, refuses to redrive it twice', async () => {
    const key = `poison-${randomUUID()}`;
    await client.publishRaw([{ topic: 'order-requests', key, value: Buffer.from('not avro'), headers: {} }]);
    const first = await deadLetterOf(key, 0);
    expect(first.errorCode).toBe('WRONG_MAGIC_BYTE');
    // tail prints poison as a clear line, and a dead letter with its error headers, instead of crashing.
    const tail = await saga(
      'tail',
      '--order',
      key,
      '--from-beginning',
      '--max',
      '2',
      '--topic',
      'order-requests',
      '--topic',
      'dlq.order',
    );
    expect(tail.code).toBe(0);
    expect(tail.stdout).toMatch(/order-requests\s+undecodable\s+.*undecodable: WRONG_MAGIC_BYTE/);
    expect(tail.stdout).toMatch(
      /dlq\.order\s+dead-letter\s+.*\[dead letter from order-requests:\d+:\d+: WRONG_MAGIC_BYTE/,
    );
    const text = await saga('dlq', 'list', '--service', 'order');
    expect(text.stdout).toMatch(new RegExp(`${first.id}\\s+from order-requests:\\d+:\\d+.*WRONG_MAGIC_BYTE`));

    const dry = await saga('dlq', 'redrive', '--id', first.id, '--dry-run');
    expect(dry.stdout).toContain(`would redrive ${first.id} -> order-requests`);

    const redrive = await saga('dlq', 'redrive', '--id', first.id);
    expect(redrive.code).toBe(0);
    expect(redrive.stdout).toContain(`redrove ${first.id} -> order-requests (redrive 1)`);
    // Still poison: it comes back to the DLQ, now carrying its redrive count.
    await deadLetterOf(key, 1);

    const again = await saga('dlq', 'redrive', '--id', first.id);
    expect(again.code).toBe(3);
    expect(again.stdout).toContain(`skip ${first.id}: already redriven`);
  });

  it('refuses a record redriven 3 times already (loop guard)', async () => {
    const key = `poison-${randomUUID()}`;
    await client.publishRaw([
      {
        topic: 'order-requests',
        key,
        value: Buffer.from('still not avro'),
        headers: { 'saga-redrive-count': '3' },
      },
    ]);
    const letter = await deadLetterOf(key, 3);
    const r = await saga('dlq', 'redrive', '--id', letter.id);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`refuse ${letter.id}: redriven 3 times already`);
  });

  it('an unknown DLQ id exits 4; a malformed one is a usage error', async () => {
    expect((await saga('dlq', 'redrive', '--id', 'dlq.order:0:999999999')).code).toBe(4);
    const bad = await saga('dlq', 'redrive', '--id', 'nonsense');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('<topic>:<partition>:<offset>');
  });
});

describe('saga demo', () => {
  it('runs every fast path against the running services, each ending as expected', async () => {
    const r = await saga('demo', '--base-port', '3400', '--time-scale', '0.01');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^ok {3}/gm)).toHaveLength(9);
    expect(r.stdout).toContain('== shipping fails (AQ)');
  });
});
