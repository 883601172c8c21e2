// The secured stack rejects what it must (no credentials, wrong password, another service's topic or group or
// Redis keys, an oversized record) and lets each service principal do exactly its job. Kafka and Redis only: the
// registry is started by secret-canary.int.spec.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  aclPlan,
  SECURE_MESSAGE_MAX_BYTES,
  SERVICE_PRINCIPALS,
  SERVICE_TOPICS,
  EVENT_TOPICS,
} from '@saga/stack';
import { pollUntil } from '@saga/testkit';
import { ACL_PORTS, rejectionOf, startSecureStack, type SecureStack } from './secure-stack.js';

let stack: SecureStack;
const DLQS = SERVICE_PRINCIPALS.map((s) => `dlq.${s}`);

beforeAll(async () => {
  stack = await startSecureStack(ACL_PORTS, {}, ['kafka', 'redis']);
  const admin = stack.kafkaAs('admin', stack.kafkaPassword('admin')).admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [...EVENT_TOPICS, ...DLQS].map((topic) => ({ topic, numPartitions: 1 })),
  });
  // The first group request creates __consumer_offsets; wait for its coordinator so that the clients below, which
  // never retry, meet an authorization verdict rather than COORDINATOR_NOT_AVAILABLE.
  await pollUntil(() => admin.fetchOffsets({ groupId: 'warm-up', topics: ['orders'] }).then(() => true), {
    timeoutMs: 30_000,
    description: 'the group coordinator',
  });
  await admin.disconnect();
});

afterAll(async () => {
  await stack?.stop();
});

/** Sends one small record as `principal` (its real password); resolves or rejects with the broker's verdict. */
async function produceAs(principal: string, password: string, topic: string, bytes = 16): Promise<void> {
  const producer = stack.kafkaAs(principal, password).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: Buffer.alloc(bytes, 1) }] });
  } finally {
    await producer.disconnect();
  }
}

describe('Kafka authentication', () => {
  it('rejects a client without credentials', async () => {
    const admin = stack.kafkaAs().admin();
    const err = await rejectionOf(admin.connect().then(() => admin.listTopics()));
    await admin.disconnect().catch(() => undefined);
    // The SASL listener answers nothing but the SASL handshake: the broker closes the connection.
    expect(err.name).toBe('KafkaJSConnectionClosedError');
  });

  it('rejects a wrong password, and the error does not echo it', async () => {
    const wrong = 'not-the-password-4a1f';
    const admin = stack.kafkaAs('order', wrong).admin();
    const err = await rejectionOf(admin.connect());
    expect(err.name).toBe('KafkaJSSASLAuthenticationError');
    expect(err.message).not.toContain(wrong);
  });
});

describe('Kafka authorization: each service does exactly its job', () => {
  it.each(SERVICE_PRINCIPALS)(
    '%s may produce to its own topic and its DLQ, and to no other',
    async (service) => {
      const pw = stack.kafkaPassword(service);
      const own = SERVICE_TOPICS[service].produces;
      await produceAs(service, pw, own);
      await produceAs(service, pw, `dlq.${service}`);
      for (const topic of [...EVENT_TOPICS, ...DLQS].filter((t) => t !== own && t !== `dlq.${service}`)) {
        const err = await rejectionOf(produceAs(service, pw, topic));
        expect(`${err.type ?? ''} ${err.message}`).toMatch(/TOPIC_AUTHORIZATION_FAILED|not authorized/i);
      }
    },
  );

  it('payment producing to the inventory topic is rejected (the example of the brief)', async () => {
    const err = await rejectionOf(produceAs('payment', stack.kafkaPassword('payment'), 'inventory'));
    expect(err.type).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it.each(SERVICE_PRINCIPALS)('%s consumes its topics in its own group', async (service) => {
    const pw = stack.kafkaPassword(service);
    const topics = [...SERVICE_TOPICS[service].consumes];
    // The admin writes one record to each topic the service consumes.
    for (const topic of topics) await produceAs('admin', stack.kafkaPassword('admin'), topic);
    const consumer = stack.kafkaAs(service, pw).consumer({ groupId: service, maxWaitTimeInMs: 100 });
    const seen = new Set<string>();
    await consumer.connect();
    try {
      for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: ({ topic }) => Promise.resolve(void seen.add(topic)) });
      await pollUntil(() => topics.every((t) => seen.has(t)), {
        timeoutMs: 30_000,
        description: `${service} reading ${topics.join(', ')}`,
      });
    } finally {
      await consumer.disconnect();
    }
  });

  it('a service cannot read a topic it does not consume', async () => {
    const consumer = stack
      .kafkaAs('inventory', stack.kafkaPassword('inventory'))
      .consumer({ groupId: 'inventory' });
    await consumer.connect();
    const err = await rejectionOf(consumer.subscribe({ topic: 'orders', fromBeginning: true }));
    await consumer.disconnect();
    expect(`${err.type ?? ''} ${err.message}`).toMatch(/TOPIC_AUTHORIZATION_FAILED|not authorized/i);
  });

  it("reading another service's consumer group is rejected; its own is allowed", async () => {
    const codes: string[] = [];
    const admin = stack.kafkaAs('payment', stack.kafkaPassword('payment'), codes).admin();
    await admin.connect();
    try {
      // Loads the broker list (a fresh kafkajs admin has only its seed connection and would fail client-side).
      await admin.fetchTopicMetadata({ topics: ['orders'] });
      await rejectionOf(admin.fetchOffsets({ groupId: 'inventory', topics: ['orders'] }));
      // kafkajs reports "Failed to find group coordinator"; the broker's own answer is in its debug log.
      expect(codes).toContain('GROUP_AUTHORIZATION_FAILED');
      await expect(admin.fetchOffsets({ groupId: 'payment', topics: ['orders'] })).resolves.toBeDefined();
    } finally {
      await admin.disconnect();
    }
  });

  it('joining another service group as a consumer is rejected', async () => {
    const codes: string[] = [];
    const consumer = stack
      .kafkaAs('payment', stack.kafkaPassword('payment'), codes)
      .consumer({ groupId: 'inventory' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    const crashed = new Promise<Error>((resolve) =>
      consumer.on(consumer.events.CRASH, (e) => resolve(e.payload.error)),
    );
    await consumer.run({ eachMessage: () => Promise.resolve() });
    await crashed;
    await consumer.disconnect();
    expect(codes).toContain('GROUP_AUTHORIZATION_FAILED');
  });

  it('services cannot create topics (no automatic creation, no CREATE grant)', async () => {
    const admin = stack.kafkaAs('order', stack.kafkaPassword('order')).admin();
    await admin.connect();
    const err = await rejectionOf(
      admin.createTopics({ topics: [{ topic: 'order-sneaky', numPartitions: 1 }] }),
    );
    await admin.disconnect();
    expect(`${err.message} ${JSON.stringify((err as { errors?: unknown }).errors ?? '')}`).toMatch(
      /AUTHORIZATION_FAILED|not authorized/i,
    );
  });

  it(`a record larger than message.max.bytes (${SECURE_MESSAGE_MAX_BYTES}) is rejected`, async () => {
    const err = await rejectionOf(
      produceAs('payment', stack.kafkaPassword('payment'), 'payments', SECURE_MESSAGE_MAX_BYTES + 64 * 1024),
    );
    expect(err.type).toBe('MESSAGE_TOO_LARGE');
  });

  it('the ACLs in the broker are exactly the plan', async () => {
    const admin = stack.kafkaAs('admin', stack.kafkaPassword('admin')).admin();
    await admin.connect();
    const found = await admin.describeAcls({
      resourceType: 1, // ANY
      resourcePatternType: 1, // ANY
      operation: 1,
      permissionType: 1,
    });
    await admin.disconnect();
    const count = found.resources.reduce((n, r) => n + r.acls.length, 0);
    expect(count).toBe(aclPlan().length);
  });
});

describe('Redis ACL users', () => {
  it('rejects unauthenticated commands (the default user is off) and a wrong password', async () => {
    const anon = stack.redisAs();
    await anon.connect();
    expect((await rejectionOf(anon.ping())).message).toMatch(/NOAUTH/);
    expect((await rejectionOf(anon.auth('default', 'x'))).message).toMatch(/WRONGPASS/);
    const err = await rejectionOf(anon.auth('order', 'wrong-password-77aa'));
    expect(err.message).toMatch(/WRONGPASS/);
    expect(err.message).not.toContain('wrong-password-77aa');
    // Still unauthenticated after the failed attempts.
    expect((await rejectionOf(anon.get('ord:{o1}:state'))).message).toMatch(/NOAUTH/);
    anon.disconnect();
  });

  it("each service touches its own keys (incl. EVAL, SCRIPT LOAD + EVALSHA), never another service's", async () => {
    const own: Record<(typeof SERVICE_PRINCIPALS)[number], string> = {
      order: 'ord:{o1}:state',
      payment: 'pay:{o1}',
      inventory: 'inv:{SKU-1}:stock',
      shipping: 'ship:{o1}',
    };
    for (const service of SERVICE_PRINCIPALS) {
      const r = stack.redisAs(service, stack.redisPassword(service));
      await r.connect();
      try {
        await r.set(own[service], '1');
        await r.zadd(`{retry:${service}}:due`, 1, 'x');
        expect(await r.eval("return redis.call('GET', KEYS[1])", 1, own[service])).toBe('1');
        const sha = (await r.script('LOAD', "return redis.call('EXISTS', KEYS[1])")) as string;
        expect(await r.evalsha(sha, 1, own[service])).toBe(1);
        for (const other of SERVICE_PRINCIPALS.filter((s) => s !== service)) {
          expect((await rejectionOf(r.get(own[other]))).message).toMatch(/NOPERM/);
          expect((await rejectionOf(r.zcard(`{retry:${other}}:due`))).message).toMatch(/NOPERM/);
          expect(
            (await rejectionOf(r.eval("return redis.call('GET', KEYS[1])", 1, own[other]))).message,
          ).toMatch(/NOPERM/);
        }
        expect((await rejectionOf(r.flushall())).message).toMatch(/NOPERM/);
        expect((await rejectionOf(r.keys('*'))).message).toMatch(/NOPERM/);
      } finally {
        r.disconnect();
      }
    }
  });

  it('the cli user reads every service key (its read APIs span services)', async () => {
    const r = stack.redisAs('cli', stack.redisPassword('cli'));
    await r.connect();
    expect(await r.get('pay:{o1}')).toBe('1');
    expect(await r.get('ord:{o1}:state')).toBe('1');
    r.disconnect();
  });
});
