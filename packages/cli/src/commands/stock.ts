import { Command, InvalidArgumentError } from 'commander';
import { getStock, setStock } from '@saga/inventory-service';
import { withRedis } from '../order-io.js';
import { fail } from '../output.js';

/** Commander argument parser: a whole, non-negative number of units. */
export function parseAvailable(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('must be a whole number of units, 0 or more.');
  return n;
}

function parseSku(value: string): string {
  const sku = value.trim();
  // Braces would change the Redis hash tag the SKU's keys share.
  if (sku === '' || /[{}\s]/.test(sku))
    throw new InvalidArgumentError('must be non-empty, without spaces or braces.');
  return sku;
}

export function stockCommand(): Command {
  const stock = new Command('stock').description(
    'inventory stock per SKU (in Redis, as the inventory service sees it)',
  );
  stock
    .command('set')
    .description('set the units available for new reservations (live reservations are kept)')
    .argument('<sku>', 'the SKU, e.g. SKU-APPLE', parseSku)
    .argument('<available>', 'units available, 0 or more', parseAvailable)
    .option('--json', 'machine-readable output')
    .action(async (sku: string, available: number, opts: { json?: boolean }) => {
      const level = await withRedis(async (redis) => {
        await setStock(redis, sku, available);
        return getStock(redis, sku);
      });
      if (opts.json) console.log(JSON.stringify({ sku, ...level }));
      else
        console.log(`${sku}: available ${level?.available ?? available}, reserved ${level?.reserved ?? 0}`);
    });
  stock
    .command('get')
    .description('show available and reserved units of a SKU')
    .argument('<sku>', 'the SKU, e.g. SKU-APPLE', parseSku)
    .option('--json', 'machine-readable output')
    .action(async (sku: string, opts: { json?: boolean }) => {
      const level = await withRedis((redis) => getStock(redis, sku));
      if (!level)
        fail(`unknown SKU ${sku} (not in the catalog; create it with: saga stock set ${sku} <available>)`);
      if (opts.json) console.log(JSON.stringify({ sku, ...level }));
      else console.log(`${sku}: available ${level.available}, reserved ${level.reserved}`);
    });
  return stock;
}
