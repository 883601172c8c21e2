import { Command, InvalidArgumentError } from 'commander';
import { SERVICES } from '@saga/contracts';
import type { OrderRequested } from '@saga/contracts';
import { fail } from '../output.js';
import { timelineLines } from '../format-order.js';
import { withEventClient, withRedis } from '../order-io.js';
import { buildOrderRequest, waitForOrder, type PlaceOptions } from '../order-place.js';

interface DemoPath {
  label: string;
  expect: 'shipped' | 'cancelled' | 'rejected';
  opts: PlaceOptions;
  /** The gateway-down path waits out 1 + 5 attempts at 5 s × 3: about 10 minutes at time scale 1. */
  slow?: boolean;
}

const base: PlaceOptions = {
  sku: 'SKU-APPLE',
  quantity: '1',
  amount: '4200',
  currency: 'EUR',
  card: 'tok_approve',
};

/** One order per path of the reference flow (README, "Triggers"). */
export function demoPaths(unknownSku: string): DemoPath[] {
  return [
    { label: 'happy path', expect: 'shipped', opts: base },
    { label: 'insufficient funds', expect: 'cancelled', opts: { ...base, card: 'tok_insufficient_funds' } },
    { label: 'invalid card', expect: 'cancelled', opts: { ...base, card: 'tok_invalid_card' } },
    { label: 'gateway flaky, then ok', expect: 'shipped', opts: { ...base, card: 'tok_unavailable_2' } },
    {
      label: 'gateway down',
      expect: 'cancelled',
      opts: { ...base, card: 'tok_always_unavailable' },
      slow: true,
    },
    { label: 'out of stock', expect: 'cancelled', opts: { ...base, sku: 'SKU-SOLDOUT' } },
    { label: 'unknown SKU', expect: 'cancelled', opts: { ...base, sku: unknownSku } },
    { label: 'capture fails', expect: 'cancelled', opts: { ...base, card: 'tok_capture_fails' } },
    { label: 'shipping fails (AQ)', expect: 'cancelled', opts: { ...base, country: 'AQ' } },
    { label: 'invalid request', expect: 'rejected', opts: { ...base, quantity: '0' } },
  ];
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number > 0.');
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_532) throw new InvalidArgumentError('must be a TCP port.');
  return n;
}

async function servicesReady(basePort: number): Promise<string[]> {
  const down: string[] = [];
  await Promise.all(
    SERVICES.map(async (name, i) => {
      const url = `http://127.0.0.1:${basePort + i}/health/ready`;
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
      if (res?.status !== 200) down.push(`${name} (${url})`);
    }),
  );
  return down;
}

interface DemoFlags {
  timeScale: number;
  includeSlow?: boolean;
  basePort: number;
}

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'place one order per saga path against the running services, wait for each, print the timelines',
    )
    .option(
      '--time-scale <x>',
      'the SAGA_TIME_SCALE the services were started with (npm start -- --time-scale 0.05)',
      positive,
      1,
    )
    .option('--include-slow', 'also run the gateway-down path (~10 min at time scale 1)')
    .option('--base-port <port>', 'HTTP port of the order service; the others follow it', port, 3000)
    .action(async (flags: DemoFlags) => {
      const down = await servicesReady(flags.basePort);
      if (down.length > 0)
        fail(`the services are not running (not ready: ${down.join(', ')}). Start them with: npm start`);
      const paths = demoPaths(`SKU-UNKNOWN-${Date.now().toString(36).toUpperCase()}`).filter(
        (p) => flags.includeSlow || !p.slow,
      );
      if (!flags.includeSlow)
        console.log('skipping "gateway down": it retries for ~10 min at time scale 1 (add --include-slow)');
      const placed: { path: DemoPath; event: OrderRequested }[] = [];
      await withEventClient(async (client) => {
        for (const path of paths) {
          const { event } = buildOrderRequest(path.opts);
          await client.publish([event]);
          placed.push({ path, event });
          console.log(`placed ${path.label.padEnd(24)} order ${event.metadata.orderId}`);
        }
      });
      // Forward retries at scale 1 take at most ~2 min (infrastructure: 2 s x2, 6 retries); a minute of slack.
      const timeoutMs = (slow?: boolean) => 60_000 + (slow ? 700_000 : 130_000) * flags.timeScale;
      const results = await withRedis((redis) =>
        Promise.all(
          placed.map(async ({ path, event }) => {
            const started = Date.now();
            const r = await waitForOrder(redis, event.metadata.orderId, {
              timeoutMs: timeoutMs(path.slow),
              startedAt: event.metadata.occurredAt,
            });
            const status = r.view?.state.status ?? 'unknown';
            const ok = status === path.expect;
            console.log(
              `${ok ? 'ok  ' : 'FAIL'} ${path.label.padEnd(24)} ${status}${ok ? '' : ` (expected ${path.expect})`} after ${((Date.now() - started) / 1000).toFixed(1)}s`,
            );
            return { path, event, view: r.view, ok };
          }),
        ),
      );
      for (const { path, event, view } of results) {
        console.log(
          `\n== ${path.label}: order ${event.metadata.orderId} ${view?.state.status ?? 'not seen'}`,
        );
        for (const line of timelineLines(view?.timeline ?? [])) console.log(`  ${line}`);
      }
      const failed = results.filter((r) => !r.ok);
      if (failed.length > 0)
        fail(
          `${failed.length} path(s) did not end as expected: ${failed.map((f) => f.path.label).join(', ')}`,
        );
    });
}
