// The secured stack rejects what it must (no TLS or an untrusted CA, no credentials, wrong password, another
// service's topic or group or Redis keys, an oversized record) and lets each service principal do exactly its job.
// Every client here speaks TLS trusting the stack's CA unless a test says otherwise. Kafka and Redis only: the
// registry is started by secret-canary.int.spec.ts.
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  aclPlan,
  loadStackConfig,
  secretFiles,
  stackRotate,
  SECURE_MESSAGE_MAX_BYTES,
  SERVICE_PRINCIPALS,
  SERVICE_TOPICS,
  EVENT_TOPICS,
} from '@saga/stack';
import { readTopicRetention } from '@saga/messaging';
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

/** Opens a TLS connection trusting the stack's CA and returns the negotiated protocol and the server's SANs. */
function tlsHandshake(port: number): Promise<{ protocol: string | null; san: string | undefined }> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = tlsConnect({ host: '127.0.0.1', port, ca: stack.ca }, () => {
      const result = { protocol: socket.getProtocol(), san: socket.getPeerCertificate().subjectaltname };
      socket.destroy();
      resolve(result);
    });
    socket.once('error', reject);
  });
}

describe('TLS', () => {
  it('Kafka and Redis complete a TLS handshake with a certificate of the stack CA for 127.0.0.1', async () => {
    for (const port of [stack.ports.kafka, stack.ports.redis]) {
      const { protocol, san } = await tlsHandshake(port);
      expect(protocol).toMatch(/^TLSv1\.[23]$/);
      expect(san).toContain('IP Address:127.0.0.1');
    }
  });

  it('rejects a Kafka client without TLS, even with valid credentials', async () => {
    const admin = stack.kafkaAs('admin', stack.kafkaPassword('admin'), undefined, 'none').admin();
    const err = await rejectionOf(admin.connect().then(() => admin.listTopics()));
    await admin.disconnect().catch(() => undefined);
    // The broker closes the connection: its TLS engine cannot read a plaintext request.
    expect(err.message).toMatch(/Closed connection/);
  });

  it('rejects a Kafka TLS client that does not trust the stack CA (certificate check fails)', async () => {
    const admin = stack.kafkaAs('admin', stack.kafkaPassword('admin'), undefined, 'system-ca').admin();
    const err = await rejectionOf(admin.connect());
    await admin.disconnect().catch(() => undefined);
    expect(err.message).toMatch(/self[- ]signed|unable to verify|certificate/i);
  });

  it('rejects a Redis client without TLS, even with valid credentials', async () => {
    const r = stack.redisAs('admin', stack.redisPassword('admin'), 'none');
    const seen: Error[] = [];
    r.on('error', (e: Error) => seen.push(e));
    const err = await rejectionOf(r.connect().then(() => r.ping()));
    r.disconnect();
    // Redis drops a connection whose first bytes are not a TLS handshake.
    expect(err.message).toMatch(/Connection is closed|ECONNRESET|EPIPE|socket/i);
  });

  it('rejects a Redis TLS client that does not trust the stack CA', async () => {
    const r = stack.redisAs('admin', stack.redisPassword('admin'), 'system-ca');
    const seen: Error[] = [];
    r.on('error', (e: Error) => seen.push(e));
    const err = await rejectionOf(r.connect().then(() => r.ping()));
    r.disconnect();
    // ioredis rejects with "Connection is closed."; the TLS verdict is the 'error' event before it.
    expect([err, ...seen].map((e) => e.message).join(' | ')).toMatch(
      /self[- ]signed|unable to verify|certificate/i,
    );
  });
});

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

  it("a service reads the retention of the topics it consumes (its start-up check), not of another's", async () => {
    const kafka = stack.kafkaAs('inventory', stack.kafkaPassword('inventory'));
    const [payments] = await readTopicRetention(kafka, ['payments']);
    expect(payments?.retentionMs).toBeGreaterThan(0);
    const err = await rejectionOf(readTopicRetention(kafka, ['orders']));
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

// Last in this file: it changes the order principal's passwords.
describe('secret rotation (saga stack rotate)', () => {
  it('order gets new Kafka and Redis passwords: the old ones stop working, the new ones work', async () => {
    const files = secretFiles(loadStackConfig(stack.env));
    const oldKafka = stack.kafkaPassword('order');
    const oldRedis = stack.redisPassword('order');
    // A Redis connection authenticated before the rotation, to see what happens to it.
    const before = stack.redisAs('order', oldRedis);
    await before.connect();
    expect(await before.get('ord:{o1}:state')).toBe('1');

    const progress: string[] = [];
    const result = await stackRotate('order', {
      env: stack.env,
      onProgress: (p) => progress.push(p.message),
    });
    expect(result.rotated.map((r) => r.system)).toEqual(['kafka', 'redis']);
    const newKafka = stack.kafkaPassword('order');
    const newRedis = stack.redisPassword('order');
    expect(newKafka).not.toBe(oldKafka);
    expect(newRedis).not.toBe(oldRedis);
    expect(newKafka).toMatch(/^[A-Za-z0-9_-]{32}$/);
    for (const f of [files.kafka('order'), files.redis('order')])
      expect(statSync(f).mode & 0o777).toBe(0o600);
    // No temp file (admin login, new credential, .next) is left behind, and no password reached the progress.
    expect(readdirSync(files.dir).filter((f) => f.startsWith('.') || f.endsWith('.next'))).toEqual([]);
    for (const pw of [oldKafka, newKafka, oldRedis, newRedis]) expect(progress.join('\n')).not.toContain(pw);

    // Kafka: the old password fails SCRAM, the new one authenticates and the ACLs still apply.
    const old = stack.kafkaAs('order', oldKafka).admin();
    expect((await rejectionOf(old.connect())).name).toBe('KafkaJSSASLAuthenticationError');
    await produceAs('order', newKafka, 'orders');
    expect((await rejectionOf(produceAs('order', newKafka, 'payments'))).type).toBe(
      'TOPIC_AUTHORIZATION_FAILED',
    );

    // Redis: a new AUTH with the old password fails; the new one works; the ACL file holds the new hash only.
    const anon = stack.redisAs();
    await anon.connect();
    expect((await rejectionOf(anon.auth('order', oldRedis))).message).toMatch(/WRONGPASS/);
    anon.disconnect();
    const fresh = stack.redisAs('order', newRedis);
    await fresh.connect();
    expect(await fresh.get('ord:{o1}:state')).toBe('1');
    fresh.disconnect();
    const acl = readFileSync(`${stack.dir}/conf/redis-users.acl`, 'utf8');
    const sha = (v: string) => createHash('sha256').update(v).digest('hex');
    expect(acl).toContain(`user order on #${sha(newRedis)} `);
    expect(acl).not.toContain(sha(oldRedis));

    // An already authenticated connection keeps working until it reconnects (Redis checks passwords at AUTH).
    expect(await before.get('ord:{o1}:state')).toBe('1');
    before.disconnect();
  });

  it('the other principals are untouched', async () => {
    await produceAs('payment', stack.kafkaPassword('payment'), 'payments');
    const r = stack.redisAs('payment', stack.redisPassword('payment'));
    await r.connect();
    expect(await r.get('pay:{o1}')).toBe('1');
    r.disconnect();
  });

  it('--only redis rotates Redis alone; the registry principal has no Redis user', async () => {
    const kafkaBefore = stack.kafkaPassword('shipping');
    const redisBefore = stack.redisPassword('shipping');
    const result = await stackRotate('shipping', { env: stack.env, systems: ['redis'] });
    expect(result.rotated.map((r) => r.system)).toEqual(['redis']);
    expect(stack.kafkaPassword('shipping')).toBe(kafkaBefore);
    expect(stack.redisPassword('shipping')).not.toBe(redisBefore);
    const err = await rejectionOf(stackRotate('registry', { env: stack.env, systems: ['redis'] }));
    expect(err.code).toBe('ROTATE_FAILED');
  });
});
