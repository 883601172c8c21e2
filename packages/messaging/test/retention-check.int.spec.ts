/**
 * The start-up check of saga state retention against the topics' retention.ms, against the real broker: a topic's
 * own setting and the broker default are read, a shorter state retention is refused, and a configuration that cannot
 * be read does not stop a service.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Admin } from 'kafkajs';
import {
  checkRetention,
  createKafka,
  createLogger,
  loadConnectionConfig,
  readTopicRetention,
  RETENTION_TOO_SHORT,
  type Logger,
} from '@saga/messaging';
import { uniquePrefix } from '@saga/testkit';

jest.setTimeout(60_000);

const H = 3_600_000;
const logger = createLogger('retention-check-test', 'silent');
const kafka = createKafka(loadConnectionConfig(), 'retention-check-test', logger);
const prefix = uniquePrefix('retention');
const long = `${prefix}-long`;
const plain = `${prefix}-plain`;
let admin: Admin;

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: long, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: String(48 * H) }] },
      { topic: plain, numPartitions: 1 },
    ],
  });
});

afterAll(async () => {
  await admin.deleteTopics({ topics: [long, plain] });
  await admin.disconnect();
});

describe('saga state retention against the topics', () => {
  it("reads each topic's retention.ms: its own setting, else the broker's default", async () => {
    const byTopic = new Map(
      (await readTopicRetention(kafka, [long, plain])).map((t) => [t.topic, t.retentionMs]),
    );
    expect(byTopic.get(long)).toBe(48 * H);
    // The local stack keeps 24 h, Kafka's own default is 7 days: either way a positive default, not the override.
    expect(byTopic.get(plain)).toBeGreaterThan(0);
    expect(byTopic.get(plain)).not.toBe(48 * H);
  });

  it('refuses state kept shorter than a topic keeps its records, and accepts as long or forever', async () => {
    const [, plainRetention] = (await readTopicRetention(kafka, [long, plain])).map((t) => t.retentionMs);
    await expect(checkRetention(kafka, [plain, long], 24 * H, logger)).rejects.toMatchObject({
      code: RETENTION_TOO_SHORT,
      retriable: false,
      message: expect.stringContaining(`${long} (48 h)`),
    });
    await expect(
      checkRetention(kafka, [plain, long], Math.max(48 * H, plainRetention!), logger),
    ).resolves.toBeUndefined();
    await expect(checkRetention(kafka, [plain, long], 0, logger)).resolves.toBeUndefined();
  });

  it('goes on with a warning when the configuration cannot be read', async () => {
    const warn = jest.fn();
    const watching = { warn } as unknown as Logger;
    await expect(checkRetention(kafka, [`${prefix}-missing`], 1_000, watching)).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
