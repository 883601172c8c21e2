import { allTopics, createSerde } from '@saga/contracts';
import type { ConnectionConfig } from './connection.js';
import { ensureTopics } from './admin.js';
import { createKafka } from './kafka.js';
import { createLogger } from './logger.js';

export interface ProvisionResult {
  topicsCreated: string[];
  topics: string[];
}

/** Makes a cluster ready for the saga: every topic created explicitly, every schema registered (BACKWARD). */
export async function provision(conn: ConnectionConfig): Promise<ProvisionResult> {
  const logger = createLogger('provision', process.env.LOG_LEVEL ?? 'error');
  const kafka = createKafka(conn, 'saga-provision', logger);
  const topics = allTopics();
  const topicsCreated = await ensureTopics(kafka, topics);
  await createSerde(conn.schemaRegistry).register();
  return { topicsCreated, topics };
}
