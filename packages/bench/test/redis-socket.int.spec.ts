// The bench's nodes reach the stack's Redis by its Unix socket: the URL the stack hands out, through the services'
// own connection settings, must give an ioredis client that really talks over the socket.
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { loadConnectionConfig } from '@saga/messaging';
import { stackRedisSocketUrl } from '@saga/stack';
import { testModeIs } from '@saga/testkit';

const clients: Redis[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit()));
});

// Only the local stack has the socket (compose and testcontainers give Redis over TCP).
(testModeIs('local') ? describe : describe.skip)("the local stack's Redis socket", () => {
  it('is what a service connects through when REDIS_URL is the unix:// URL the stack gives', async () => {
    const url = stackRedisSocketUrl();
    expect(url).toMatch(/^unix:\/\/\/.+\/redis\.sock$/);
    const conn = loadConnectionConfig({ REDIS_URL: url });
    const redis = new Redis(conn.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    clients.push(redis);
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
    // Redis names a socket client's address by the socket's path (a TCP one by ip:port).
    const info = (await redis.call('CLIENT', 'INFO')) as string;
    expect(info).toContain(`addr=${url!.slice('unix://'.length)}:0`);
  });
});
