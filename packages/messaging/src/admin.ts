import { allTopics, TOPIC_PARTITIONS } from '@saga/contracts';
import type { Kafka } from './kafka.js';

/** Creates the project's topics explicitly (the broker never auto-creates). Idempotent; returns those created. */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly string[] = allTopics(),
  numPartitions = TOPIC_PARTITIONS,
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions, replicationFactor: -1 })),
      });
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}
