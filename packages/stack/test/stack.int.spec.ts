// The stack's own lifecycle against real processes. Every test uses its own stack dir and free ports, so it never
// touches the main test stack that jest's global setup starts on the default ports (both may run at once); only
// the downloaded distributions are shared.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStackConfig, type PartName } from '../src/config.js';
import { PartFailedError, PortInUseError, StackError } from '../src/errors.js';
import { redisCommand } from '../src/health.js';
import { findRedisServer } from '../src/redis-server.js';
import { readState, writeState } from '../src/state.js';
import { stackDown, stackRedisSocketUrl, stackStatus, stackUp } from '../src/stack.js';
import { isPortFree, readProcess } from '../src/system.js';
import { START_MARKER } from '../src/logs.js';

const sharedDist = loadStackConfig(process.env).distDir;
const dirs: string[] = [];
const envs: NodeJS.ProcessEnv[] = [];

/** Ports nobody listens on right now (the kernel hands them out; distinct within one call). */
async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    ports.push((server.address() as { port: number }).port);
  }
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** One PING over a Unix socket, answered with Redis' raw reply. */
function pingOverSocket(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path }, () => socket.write('PING\r\n'));
    socket.once('data', (reply) => {
      socket.destroy();
      resolve(reply.toString().trim());
    });
    socket.once('error', reject);
  });
}

/** An environment for a private stack: own stack dir and ports, shared distributions. */
async function privateStackEnv(extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'saga-stack-int-'));
  dirs.push(dir);
  const [kafka, controller, registry, management, redis] = await freePorts(5);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SAGA_STACK_DIR: dir,
    SAGA_STACK_DIST_DIR: sharedDist,
    SAGA_KAFKA_PORT: String(kafka),
    SAGA_KAFKA_CONTROLLER_PORT: String(controller),
    SAGA_REGISTRY_PORT: String(registry),
    SAGA_REGISTRY_MANAGEMENT_PORT: String(management),
    SAGA_REDIS_PORT: String(redis),
    SAGA_KAFKA_HEAP: '384m',
    SAGA_REGISTRY_HEAP: '256m',
    SAGA_STACK_STOP_GRACE_MS: '15000',
    ...extra,
  };
  envs.push(env);
  return env;
}

async function rejection(p: Promise<unknown>): Promise<StackError> {
  try {
    await p;
  } catch (err) {
    return err as StackError;
  }
  throw new Error('expected a rejection');
}

afterAll(async () => {
  for (const env of envs) await stackDown({ env }).catch(() => undefined);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('stackUp preflight', () => {
  it('rejects a taken port, naming the port, the part and the process holding it, and starts nothing', async () => {
    const env = await privateStackEnv();
    const port = Number(env.SAGA_KAFKA_PORT);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const err = await rejection(stackUp({ env }));
      expect(err).toBeInstanceOf(PortInUseError);
      expect(err.code).toBe('PORT_IN_USE');
      expect((err as PortInUseError).port).toBe(port);
      expect(err.part).toBe('kafka');
      expect(err.message).toContain(`port ${port} (Kafka listener, kafka)`);
      expect((err as PortInUseError).conflicts[0]?.holder?.pid).toBe(process.pid);
      expect(readState(join(env.SAGA_STACK_DIR!, 'state.json')).parts).toEqual({});
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('says how to install valkey-server or redis-server when neither is on PATH', async () => {
    const emptyBin = join(dirs[0] ?? tmpdir(), 'empty-bin');
    mkdirSync(emptyBin, { recursive: true });
    const env = await privateStackEnv({ PATH: emptyBin });
    const err = await rejection(stackUp({ env, parts: ['redis'] }));
    expect(err).toBeInstanceOf(StackError);
    expect(err.code).toBe('REDIS_NOT_FOUND');
    expect(err.message).toContain('apt-get install -y valkey-server');
    expect(err.message).toContain('apt-get install -y redis-server');
  });

  it('runs valkey-server when PATH has it, else redis-server; SAGA_REDIS_SERVER overrides both', () => {
    const root = mkdtempSync(join(tmpdir(), 'redis-bins-'));
    dirs.push(root);
    const bin = (dir: string, name: string): string => {
      mkdirSync(join(root, dir), { recursive: true });
      const file = join(root, dir, name);
      writeFileSync(file, '#!/bin/sh\n', { mode: 0o755 });
      return file;
    };
    const redisOnly = bin('a', 'redis-server');
    const valkeyLater = bin('b', 'valkey-server');
    const find = (PATH: string, redisServer?: string): string =>
      findRedisServer({ env: { PATH }, redisServer });

    expect(find(join(root, 'a'))).toBe(redisOnly);
    // Later on PATH and still chosen: the server matters more than the directory order.
    expect(find(`${join(root, 'a')}:${join(root, 'b')}`)).toBe(valkeyLater);
    expect(find(`${join(root, 'a')}:${join(root, 'b')}`, redisOnly)).toBe(redisOnly);
    expect(() => find(join(root, 'a'), join(root, 'a'))).toThrow(
      /SAGA_REDIS_SERVER=.* is not an executable file/,
    );
  });
});

describe('stackUp health', () => {
  it('stops a part that does not become healthy in time and reports the end of its log', async () => {
    const env = await privateStackEnv({ SAGA_REDIS_HEALTH_TIMEOUT_MS: '1' });
    const err = await rejection(stackUp({ env, parts: ['redis'] }));
    expect(err).toBeInstanceOf(PartFailedError);
    expect(err.code).toBe('PART_UNHEALTHY');
    expect(err.part).toBe('redis');
    const failed = err as PartFailedError;
    expect(failed.logFile).toBe(join(env.SAGA_STACK_DIR!, 'logs', 'redis.log'));
    expect(failed.logTail[0]).toContain(`${START_MARKER}redis`);
    expect(failed.message).toContain('within 1 ms');
    expect(failed.message).toContain(failed.logTail[0]);
    // Nothing is left behind: no recorded process, the port is free again.
    const status = await stackStatus({ env });
    expect(status.parts.find((p) => p.part === 'redis')).toMatchObject({ running: false, pid: null });
    expect(await isPortFree(Number(env.SAGA_REDIS_PORT), '127.0.0.1')).toBe(true);
  }, 30_000);
});

describe('stackDown', () => {
  it('never signals a recorded pid that now belongs to another process', async () => {
    const env = await privateStackEnv();
    const me = readProcess(process.pid)!;
    const stateFile = join(env.SAGA_STACK_DIR!, 'state.json');
    // A record whose pid is this very test process, but from an earlier start time: a reused pid.
    writeState(stateFile, {
      version: 1,
      parts: {
        redis: {
          pid: process.pid,
          startTicks: me.startTicks - 1,
          exe: me.exe,
          startedAt: new Date().toISOString(),
          ports: [1],
          command: ['redis-server'],
        },
      },
    });
    const result = await stackDown({ env });
    expect(result).toEqual({ stopped: [], killed: [], notRunning: ['kafka', 'registry', 'redis'] });
    expect(readState(stateFile).parts).toEqual({});
  });
});

describe('the whole stack', () => {
  it('comes up healthy, is idempotent, and keeps Redis data and registered schemas across down and up', async () => {
    const env = await privateStackEnv();
    const progress: string[] = [];
    const onProgress = (p: { part: string; message: string }) => progress.push(`[${p.part}] ${p.message}`);

    const first = await stackUp({ env, onProgress });
    expect(first.started).toEqual(['kafka', 'registry', 'redis']);
    expect(first.status.healthy).toBe(true);
    for (const part of first.status.parts) {
      expect(part).toMatchObject({ running: true, managedBy: 'stack', healthy: true });
      expect(part.pid).toBeGreaterThan(0);
      // The Redis part names its server: Valkey or Redis (REDIS_SERVERS).
      expect(part.version).toMatch(part.part === 'redis' ? /^(valkey|redis) \d+\.\d+/ : /^\d+\.\d+/);
    }
    expect(progress.some((l) => l.startsWith('[kafka] starting on'))).toBe(true);

    const again = await stackUp({ env });
    expect(again.started).toEqual([]);
    expect(again.alreadyRunning).toEqual(['kafka', 'registry', 'redis']);

    const redisPort = Number(env.SAGA_REDIS_PORT);
    const key = `stack-int-${Date.now()}`;
    expect(await redisCommand(redisPort, ['SET', key, 'kept'])).toBe('OK');
    // The same Redis on its Unix socket, for processes on this machine.
    const socketUrl = stackRedisSocketUrl({ env });
    expect(socketUrl).toBe(`unix://${join(env.SAGA_STACK_DIR!, 'data', 'redis', 'redis.sock')}`);
    expect(await pingOverSocket(socketUrl!.slice('unix://'.length))).toBe('+PONG');

    const registry = first.connection.SCHEMA_REGISTRY_URL;
    const subject = `stack-int-${Date.now()}-value`;
    const schema = JSON.stringify({
      type: 'record',
      name: 'Probe',
      namespace: 'saga.stack.test',
      fields: [{ name: 'id', type: 'string' }],
    });
    const posted = await fetch(`${registry}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema }),
    });
    expect(posted.status).toBe(200);
    const { id } = (await posted.json()) as { id: number };

    const down = await stackDown({ env });
    expect([...down.stopped, ...down.killed].sort()).toEqual<PartName[]>(['kafka', 'redis', 'registry']);
    for (const part of first.status.parts) expect(readProcess(part.pid!)).toBeUndefined();
    expect(await isPortFree(Number(env.SAGA_KAFKA_PORT), '127.0.0.1')).toBe(true);
    expect((await stackStatus({ env })).healthy).toBe(false);
    expect(stackRedisSocketUrl({ env })).toBeUndefined();

    const second = await stackUp({ env });
    expect(second.started).toEqual(['kafka', 'registry', 'redis']);
    expect(await redisCommand(redisPort, ['GET', key])).toBe('kept');
    const fetched = await fetch(`${registry}/subjects/${subject}/versions/1`);
    expect(fetched.status).toBe(200);
    const body = (await fetched.json()) as { id: number; schema: string };
    expect(body.id).toBe(id);
    expect(JSON.parse(body.schema)).toEqual(JSON.parse(schema));

    await stackDown({ env });
  }, 360_000);
});
