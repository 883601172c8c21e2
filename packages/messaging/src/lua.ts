import type { Redis } from 'ioredis';

type LuaArg = string | number;

/**
 * A Lua script registered once per connection (EVALSHA with an EVAL fallback, by ioredis) and called like a
 * function. Every script here touches keys of one hash slot only, so it runs unchanged on Redis Cluster.
 */
export function luaScript<R>(
  redis: Redis,
  name: string,
  numberOfKeys: number,
  lua: string,
): (...args: LuaArg[]) => Promise<R> {
  const commands = redis as unknown as Record<string, ((...a: LuaArg[]) => Promise<R>) | undefined>;
  if (!commands[name]) redis.defineCommand(name, { numberOfKeys, lua });
  return (...args) => commands[name]!.apply(redis, args);
}
