import { Command, InvalidArgumentError } from 'commander';
import { SERVICES } from '@saga/contracts';
import { RetryStore } from '@saga/messaging';
import { listOrders, ORDER_STATUSES, type OrderStatus } from '@saga/order-service';
import { fail } from '../output.js';
import { listLine, reportLines, stuckLine, validationLines } from '../format-order.js';
import { withEventClient, withRedis } from '../order-io.js';
import { buildOrderRequest, waitForOrder, type PlaceOptions } from '../order-place.js';
import { orderReport, parkedSteps } from '../order-report.js';

/** Exit code for "no such order": distinct from 1 (error) so scripts can tell "not there (yet)" apart. */
export const EXIT_UNKNOWN_ORDER = 4;

function positiveInt(label: string) {
  return (value: string): number => {
    const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < 1)
      throw new InvalidArgumentError(`${label} must be a whole number ≥ 1.`);
    return n;
  };
}

function parseStatus(value: string): OrderStatus {
  if (!(ORDER_STATUSES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`must be one of ${ORDER_STATUSES.join(', ')}.`);
  return value as OrderStatus;
}

interface PlaceFlags extends PlaceOptions {
  validate: boolean;
  wait?: boolean;
  timeout: number;
  json?: boolean;
}

function placeCommand(): Command {
  return new Command('place')
    .description('publish an OrderRequested (Avro, through the registry) and optionally follow it to its end')
    .option('--sku <sku>', 'the SKU, e.g. SKU-APPLE (SKU-SOLDOUT is out of stock)')
    .option('--quantity <n>', 'units, 1..1000')
    .option('--amount <minor>', 'total in minor units (cents), e.g. 4200')
    .option('--currency <code>', 'ISO-4217, e.g. EUR')
    .option('--card <token>', 'payment token, e.g. tok_approve, tok_insufficient_funds, tok_unavailable_2')
    .option('--order-id <id>', 'order id (default: a new UUID)')
    .option('--customer <id>', 'customer id', 'cust-demo')
    .option('--recipient <name>', 'shipping recipient (default Ada Lovelace)')
    .option('--line1 <text>', 'address line 1')
    .option('--line2 <text>', 'address line 2 (carrier-unavailable:<N> makes the carrier fail N times)')
    .option('--city <city>', 'city')
    .option('--postal-code <code>', 'postal code')
    .option('--country <cc>', 'ISO-3166 alpha-2 (AQ is undeliverable); default GB')
    .option('--no-validate', 'skip local validation, to watch the order service reject the request')
    .option('--wait', 'follow the timeline live; exit 0 shipped, 2 cancelled/rejected, 1 on timeout')
    .option('--timeout <s>', 'seconds to wait with --wait', positiveInt('--timeout'), 60)
    .option('--json', 'machine-readable output')
    .action(async (flags: PlaceFlags) => {
      const { event, errors } = buildOrderRequest(flags);
      if (flags.validate && errors.length > 0) {
        fail(
          `invalid order request (${errors.length} problem${errors.length > 1 ? 's' : ''}; --no-validate sends it anyway):\n${validationLines(errors).join('\n')}`,
        );
      }
      const { orderId } = event.metadata;
      await withEventClient((client) => client.publish([event]));
      if (!flags.json) console.log(`placed order ${orderId}`);
      if (!flags.wait) {
        if (flags.json) console.log(JSON.stringify({ orderId, eventId: event.metadata.eventId }));
        return;
      }
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.once('SIGINT', onSigint);
      try {
        const result = await withRedis((redis) =>
          waitForOrder(redis, orderId, {
            timeoutMs: flags.timeout * 1000,
            startedAt: event.metadata.occurredAt,
            signal: abort.signal,
            onEntry: flags.json ? undefined : (line) => console.log(line),
          }),
        );
        const status =
          result.view?.state.status ?? 'not seen by the order service (is it running? npm start)';
        if (flags.json) console.log(JSON.stringify({ orderId, status, ...(result.view ?? {}) }));
        if (result.exitCode === undefined) {
          fail(
            abort.signal.aborted
              ? `stopped waiting; order ${orderId} is ${status} (saga order show ${orderId})`
              : `timed out after ${flags.timeout} s; order ${orderId} is ${status} (saga order show ${orderId})`,
          );
        }
        if (!flags.json) console.log(`order ${orderId}: ${status}`);
        process.exitCode = result.exitCode;
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });
}

function showCommand(): Command {
  return new Command('show')
    .description('status, failure, compensations, money, stock, shipment, retries and the full timeline')
    .argument('<orderId>', 'the order')
    .option('--json', 'machine-readable output')
    .action(async (orderId: string, opts: { json?: boolean }) => {
      const report = await withRedis((redis) => orderReport(redis, orderId));
      if (!report)
        fail(`unknown order ${orderId} (the order service has no record of it)`, EXIT_UNKNOWN_ORDER);
      if (opts.json) console.log(JSON.stringify(report));
      else console.log(reportLines(report, Date.now()).join('\n'));
    });
}

function listCommand(): Command {
  return new Command('list')
    .description('orders, newest first; --stuck: parked steps of every service, stalest first')
    .option('--status <status>', `only orders in this status (${ORDER_STATUSES.join(', ')})`, parseStatus)
    .option('--stuck', 'only orders with a parked (stuck) step in any service')
    .option('--limit <n>', 'at most this many', positiveInt('--limit'), 20)
    .option('--json', 'machine-readable output')
    .action(async (opts: { status?: OrderStatus; stuck?: boolean; limit: number; json?: boolean }) => {
      await withRedis(async (redis) => {
        const parked = await parkedSteps(redis);
        if (opts.stuck) {
          const items = parked.slice(0, opts.limit);
          if (opts.json) console.log(JSON.stringify(items));
          else if (items.length === 0) console.log('no stuck orders');
          else console.log(items.map(stuckLine).join('\n'));
          return;
        }
        const stuck = new Set(parked.map((p) => p.orderId));
        const orders = await listOrders(redis, { status: opts.status, limit: opts.limit });
        if (opts.json)
          console.log(JSON.stringify(orders.map((o) => ({ ...o, stuck: stuck.has(o.orderId) }))));
        else if (orders.length === 0) console.log('no orders');
        else console.log(orders.map((o) => listLine(o, stuck.has(o.orderId))).join('\n'));
      });
    });
}

export function orderCommand(): Command {
  const order = new Command('order').description('place, inspect and repair orders');
  order.addCommand(placeCommand());
  order.addCommand(showCommand());
  order.addCommand(listCommand());
  order
    .command('retry')
    .description('run every pending or parked (stuck) step of an order now, in whichever service holds it')
    .argument('<orderId>', 'the order to retry')
    .option('--json', 'machine-readable output')
    .action(async (orderId: string, opts: { json?: boolean }) => {
      const counts = await withRedis(async (redis) => {
        const result: Record<string, number> = {};
        for (const service of SERVICES)
          result[service] = await new RetryStore(redis, service).retryNow(orderId);
        return result;
      });
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      if (opts.json) console.log(JSON.stringify({ orderId, retried: counts, total }));
      else if (total === 0) console.log(`order ${orderId}: nothing pending or stuck to retry`);
      else
        console.log(
          `order ${orderId}: ${total} step(s) due now (${Object.entries(counts)
            .filter(([, n]) => n > 0)
            .map(([s, n]) => `${s}: ${n}`)
            .join(', ')})`,
        );
      if (total === 0) process.exitCode = 3;
    });
  return order;
}
