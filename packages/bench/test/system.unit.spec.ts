import { describe, expect, it } from '@jest/globals';
import { serviceEnv } from '../src/system.js';

const SOCKET = 'unix:///repo/.stack/data/redis/redis.sock';

describe('the environment of the services the bench starts', () => {
  it("points them at the stack's Redis socket when there is one and REDIS_URL does not say otherwise", () => {
    expect(serviceEnv({ PATH: '/bin' }, 3000, SOCKET)).toEqual({
      PATH: '/bin',
      REDIS_URL: SOCKET,
      LOG_LEVEL: 'warn',
      HTTP_PORT: '3000',
    });
    expect(serviceEnv({ REDIS_URL: '' }, 3001, SOCKET).REDIS_URL).toBe(SOCKET);
  });

  it("keeps the caller's REDIS_URL, and the services' default without a socket", () => {
    expect(serviceEnv({ REDIS_URL: 'redis://10.0.0.5:6379' }, 3000, SOCKET).REDIS_URL).toBe(
      'redis://10.0.0.5:6379',
    );
    expect(serviceEnv({}, 3000, undefined)).not.toHaveProperty('REDIS_URL');
  });
});
