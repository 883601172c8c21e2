import kafkajs from 'kafkajs';
import { SagaError } from '@saga/contracts';
import type { Kafka } from './kafka.js';
import type { Logger } from './logger.js';

/** How long a topic keeps its records (`retention.ms`); -1 is forever. */
export interface TopicRetention {
  topic: string;
  retentionMs: number;
}

// kafkajs is CommonJS: Node's ESM loader does not see this one as a named export (`Kafka` and `logLevel` it does).
const { ConfigResourceTypes } = kafkajs;

export const RETENTION_TOO_SHORT = 'CONFIG_RETENTION_TOO_SHORT';

const hours = (ms: number): string => `${Math.round((ms / 3_600_000) * 10) / 10} h`;

/**
 * Why saga state kept `stateRetentionMs` (0: forever) cannot protect these topics, or undefined when it can. A record
 * is replayed rather than acted on again only while its input's recorded outputs are still in Redis; a consumer that
 * reads a topic from the start (a new group, or one whose committed offsets expired) sees every record the topic
 * still keeps, so the state must outlive the topic's records.
 */
export function retentionProblem(
  stateRetentionMs: number,
  topics: readonly TopicRetention[],
): string | undefined {
  if (stateRetentionMs === 0) return undefined;
  const longer = topics.filter((t) => t.retentionMs < 0 || t.retentionMs > stateRetentionMs);
  if (longer.length === 0) return undefined;
  const list = longer
    .map((t) => `${t.topic} (${t.retentionMs < 0 ? 'forever' : hours(t.retentionMs)})`)
    .join(', ');
  return (
    `saga state is kept ${hours(stateRetentionMs)} (SAGA_RETENTION_S) but ${list} keep records longer: a record read ` +
    `again after its state expired would act twice. Raise SAGA_RETENTION_S to at least the topics' retention.ms ` +
    `(0 keeps state forever) or lower the topics' retention.ms.`
  );
}

/** The effective `retention.ms` of each topic (its own setting, else the broker's default). */
export async function readTopicRetention(kafka: Kafka, topics: readonly string[]): Promise<TopicRetention[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['retention.ms'],
      })),
    });
    return resources.map((r) => {
      const value = r.configEntries.find((e) => e.configName === 'retention.ms')?.configValue;
      if (value === undefined) throw new Error(`no retention.ms for topic ${r.resourceName}`);
      return { topic: r.resourceName, retentionMs: Number(value) };
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Refuses to start a service whose state would expire before the records it consumes (a clear, non-retriable
 * error). If the topics' configuration cannot be read (a principal without DescribeConfigs, say), it says so and
 * goes on: the check guards a misconfiguration, it must not take down a deployment that cannot look.
 */
export async function checkRetention(
  kafka: Kafka,
  topics: readonly string[],
  stateRetentionMs: number,
  logger: Logger,
): Promise<void> {
  if (stateRetentionMs === 0 || topics.length === 0) return;
  let retention: TopicRetention[];
  try {
    retention = await readTopicRetention(kafka, topics);
  } catch (err) {
    logger.warn(
      { err, topics },
      "could not read the topics' retention.ms; SAGA_RETENTION_S not checked against it",
    );
    return;
  }
  const problem = retentionProblem(stateRetentionMs, retention);
  if (problem) throw new SagaError(RETENTION_TOO_SHORT, problem, false);
}
