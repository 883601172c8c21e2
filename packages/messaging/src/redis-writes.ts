import type { Writable } from 'node:stream';
import type { Redis } from 'ioredis';

/**
 * Sends the commands issued in one turn of the event loop in one socket write, which is what ioredis'
 * auto-pipelining is for, without its Pipeline objects: at 1,000 sagas/s auto-pipelining made ~8 % of what a node
 * allocates outlive two young-generation collections (19.7 MB/s promoted, against 0.5 without it), so the node
 * spent ~3× the GC time (BENCHMARKS.md, session 15). Plain ioredis instead writes every command at once, one
 * syscall each, and Redis then reads them one by one (+5.6 points of a core at that rate).
 *
 * ioredis makes a new socket on every (re)connect and says so with 'connect' before it writes anything on it; each
 * socket is corked at its first write of a turn and uncorked once the turn's I/O callbacks have run (setImmediate,
 * where auto-pipelining flushes too). Order is kept: a corked socket writes its chunks in the order they came.
 * Use it with `enableAutoPipelining: false`.
 */
export function coalesceWrites(redis: Redis): void {
  redis.on('connect', () => coalesceSocketWrites(redis.stream));
}

/** Corks `socket` at its first write of a turn and uncorks it after the turn. */
function coalesceSocketWrites(socket: Writable): void {
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  type WriteArgs = Parameters<Writable['write']>;
  const write = socket.write.bind(socket) as (...args: WriteArgs) => boolean;
  socket.write = ((...args: WriteArgs): boolean => {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    return write(...args);
  }) as Writable['write'];
}
