// The secured stack's rules agree with the code they guard: the ACL plan with the topics each service really
// consumes and produces, the Redis key patterns with the keys the services write; and credentials from files
// reach the clients without ever being part of an error message.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { allEventTypes, deadLetterTopic, SERVICES, topicOf, Topics } from '@saga/contracts';
import { ConfigError, loadConnectionConfig } from '@saga/messaging';
import { aclPlan, EVENT_TOPICS, REDIS_KEY_PATTERNS, SERVICE_TOPICS } from '@saga/stack';
import { orderService } from '@saga/order-service';
import { paymentService } from '@saga/payment-service';
import { inventoryService } from '@saga/inventory-service';
import { shippingService } from '@saga/shipping-service';

const modules = {
  order: orderService,
  payment: paymentService,
  inventory: inventoryService,
  shipping: shippingService,
};
/** Which event-name prefix each service emits (the choreography in README.md). */
const EMITS = { order: 'Order', payment: 'Payment', inventory: 'Item', shipping: 'Shipment' } as const;

describe('Kafka ACL plan', () => {
  it('knows every saga topic', () => {
    expect([...EVENT_TOPICS].sort()).toEqual(Object.values(Topics).sort());
  });

  it.each(SERVICES)('%s: READ exactly the topics its module consumes, in its own group', (service) => {
    expect([...SERVICE_TOPICS[service].consumes].sort()).toEqual([...modules[service].topics].sort());
    const reads = aclPlan().filter(
      (g) => g.principal === service && g.resource === 'topic' && g.op === 'READ',
    );
    expect(reads.map((g) => g.name).sort()).toEqual([...modules[service].topics].sort());
    const groups = aclPlan().filter((g) => g.principal === service && g.resource === 'group');
    expect(groups).toEqual([
      { principal: service, resource: 'group', name: service, pattern: 'literal', op: 'READ' },
    ]);
  });

  it.each(SERVICES)(
    '%s: DESCRIBE_CONFIGS exactly the topics it consumes (the retention check)',
    (service) => {
      const described = aclPlan().filter((g) => g.principal === service && g.op === 'DESCRIBE_CONFIGS');
      expect(described.every((g) => g.resource === 'topic' && g.pattern === 'literal')).toBe(true);
      expect(described.map((g) => g.name).sort()).toEqual([...modules[service].topics].sort());
    },
  );

  it.each(SERVICES)('%s: WRITE exactly the topic of the events it emits, and its own DLQ', (service) => {
    const emitted = new Set(
      allEventTypes()
        .filter((t) => t.startsWith(EMITS[service]) && t !== 'OrderRequested')
        .map((t) => topicOf(t)),
    );
    expect([...emitted]).toEqual([SERVICE_TOPICS[service].produces]);
    const writes = aclPlan().filter((g) => g.principal === service && g.op === 'WRITE');
    expect(writes.map((g) => g.name).sort()).toEqual(
      [SERVICE_TOPICS[service].produces, deadLetterTopic(service)].sort(),
    );
  });

  it('grants no prefixed topic access to a service, and nothing to anyone on ALL but the registry', () => {
    for (const g of aclPlan()) {
      if ((SERVICES as readonly string[]).includes(g.principal)) expect(g.pattern).toBe('literal');
      if (g.op === 'ALL') expect(g.principal).toBe('registry');
    }
  });
});

describe('Redis key patterns', () => {
  it('every service key prefix in use is covered by that service alone', () => {
    const samples: Record<string, string[]> = {
      order: ['ord:{o}', 'ord:{o}:requested', '{retry:order}:parked'],
      payment: ['pay:{o}', 'gw:{o}', '{retry:payment}:due'],
      inventory: ['inv:{SKU}:stock', 'inv:{SKU}:res:o', '{retry:inventory}:due'],
      shipping: ['ship:{o}', 'carrier:{o}', '{retry:shipping}:due'],
    };
    const matches = (pattern: string, key: string) => key.startsWith(pattern.replace(/\*$/, ''));
    for (const service of SERVICES) {
      for (const key of samples[service]!) {
        expect(REDIS_KEY_PATTERNS[service].some((p) => matches(p, key))).toBe(true);
        for (const other of SERVICES.filter((s) => s !== service))
          expect(REDIS_KEY_PATTERNS[other].some((p) => matches(p, key))).toBe(false);
      }
    }
  });
});

describe('credentials from files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saga-secret-files-'));
  const kafkaFile = join(dir, 'kafka.password');
  const redisFile = join(dir, 'redis.password');
  writeFileSync(kafkaFile, 'k-secret-1\n', { mode: 0o600 });
  writeFileSync(redisFile, 'r/secret@2\n', { mode: 0o600 });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads KAFKA_SASL_PASSWORD_FILE and REDIS_PASSWORD_FILE (trimmed; URL-encoded into REDIS_URL)', () => {
    const conn = loadConnectionConfig({
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'order',
      KAFKA_SASL_PASSWORD_FILE: kafkaFile,
      REDIS_URL: 'redis://order@127.0.0.1:16379',
      REDIS_PASSWORD_FILE: redisFile,
    });
    expect(conn.kafka.sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'order',
      password: 'k-secret-1',
    });
    const url = new URL(conn.redis.url);
    expect([url.username, decodeURIComponent(url.password), url.port]).toEqual([
      'order',
      'r/secret@2',
      '16379',
    ]);
  });

  it('a missing file is a config error naming the variable and path, not a value', () => {
    let err: unknown;
    try {
      loadConnectionConfig({ REDIS_PASSWORD_FILE: join(dir, 'nope') });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).retriable).toBe(false);
    expect((err as Error).message).toMatch(/REDIS_PASSWORD_FILE: cannot read .*nope \(ENOENT\)/);
  });

  it('an invalid REDIS_URL holding a password is reported without it', () => {
    let message = '';
    try {
      loadConnectionConfig({ REDIS_URL: 'redis://u:hunter2-secret@' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).not.toContain('hunter2-secret');
  });
});
