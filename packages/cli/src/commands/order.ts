import { Command } from 'commander';
import { Redis } from 'ioredis';
import { SERVICES } from '@saga/contracts';
import { loadConnectionConfig, RetryStore } from '@saga/messaging';
import { fail } from '../output.js';

async function withRedis<T>(work: (redis: Redis) => Promise<T>): Promise<T> {
  const conn = loadConnectionConfig();
  const redis = new Redis(conn.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    fail(
      `cannot reach Redis at ${new URL(conn.redis.url).host}: ${(err as Error).message}. Is the stack up? (npx saga stack up)`,
    );
  }
  try {
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

export function orderCommand(): Command {
  const order = new Command('order').description('place, inspect and repair orders');
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
