import { Topics, type ServiceName } from '@saga/contracts';
import { Headers, type OutboundRecord, type ReadRecord } from '@saga/messaging';
import { pollUntil } from '@saga/testkit';
import type { SagaDriver } from '../../support/saga-driver.js';

/** What each service's consumer group reads (the ServiceModule topics of services/<name>/src/index.ts). */
export const GROUP_TOPICS: Readonly<Record<ServiceName, string[]>> = {
  order: [Topics.orderRequests, Topics.payments, Topics.inventory, Topics.shipping],
  payment: [Topics.orders, Topics.inventory, Topics.shipping],
  inventory: [Topics.payments],
  shipping: [Topics.payments],
};

export const SAGA_TOPICS: string[] = Object.values(Topics);

/** Every saga event of one run (its orderIds share the prefix), as the broker holds them. */
export function recordsOfRun(
  driver: SagaDriver,
  topics: string[],
  orderIdPrefix: string,
): Promise<ReadRecord[]> {
  return driver.client.readAll(topics, (r) =>
    (r.headers[Headers.orderId] ?? r.key ?? '').startsWith(orderIdPrefix),
  );
}

/** The same bytes, key and headers again: a redelivery as a producer retry or a replay would make it. */
export const asOutbound = (r: ReadRecord): OutboundRecord => ({
  topic: r.topic,
  key: r.key,
  value: Buffer.from(r.value, 'base64'),
  headers: r.headers,
});

/** Until every service's group has consumed everything on its topics (lag 0), or the timeout. */
export async function untilNoLag(driver: SagaDriver, timeoutMs = 90_000): Promise<void> {
  await pollUntil(
    async () => {
      const lags = await Promise.all(
        Object.entries(GROUP_TOPICS).map(([group, topics]) => driver.client.lag(group, topics)),
      );
      return lags.every((l) => l === 0) ? true : undefined;
    },
    { timeoutMs, intervalMs: 250, description: 'consumer lag 0 for every service group' },
  );
}
