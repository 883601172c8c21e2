import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { SERVICES } from '@saga/contracts';
import { loadConnectionConfig, provision } from '@saga/messaging';
import { acquireStack, releaseStack, stackRedisSocketUrl, stackStatus } from '@saga/stack';
import { pidListeningOn } from './cpu.js';
import { BenchError } from './errors.js';

/** packages/bench/{src,dist}/system.* → the repository root, where services/<svc>/dist/main.js live. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * How the bench starts the services when none runs: `node`, the four in one process and one consumer group
 * (apps/saga-node, on basePort); `services`, four processes on basePort .. basePort+3.
 */
export const DEPLOYMENTS = ['node', 'services'] as const;
export type Deployment = (typeof DEPLOYMENTS)[number];

export interface SystemOptions {
  /** Ports basePort .. basePort+3 for order, payment, inventory, shipping (the services' defaults: 3000). */
  basePort: number;
  deploy: Deployment;
  /** `node`: how many saga-node processes (one consumer group; each takes a share of the partitions). */
  nodes?: number;
  /**
   * Extra node arguments for services the bench starts, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. Passed on the
   * command line, not in NODE_OPTIONS: node refuses --cpu-prof there.
   */
  serviceNodeArgs?: string[];
  onProgress?: (line: string) => void;
}

export interface BenchSystem {
  /** Process name → pid, for CPU sampling: the services, the stack's parts and the bench itself. */
  pids: Map<string, number>;
  /** Service or saga-node name → its HTTP port (`/metrics`). */
  ports: Map<string, number>;
  /** What the bench started (and will stop), for the report. */
  started: string[];
  kafkaVersion: string | null;
  /** The store's server and version, e.g. `valkey 8.0.1` (stackStatus). */
  redisVersion: string | null;
  stop(): Promise<void>;
}

async function ready(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(1_000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

const portOf = (basePort: number, i: number): number => basePort + i;

/** What `ready` answered on a port: its `service` field names the process (a service, or saga-node). */
async function serviceOn(port: number): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(1_000) });
    return ((await res.json()) as { service?: string }).service;
  } catch {
    return undefined;
  }
}

/**
 * How saga-node is run everywhere (npm start, compose, package start script): a 64 MB young generation. Its
 * allocation rate is high and scavenges cost by survivors, not garbage: measured with `saga bench --rate 1000`, node
 * CPU per saga 1.40–1.48 ms with V8's default, 1.25–1.27 ms with 32 or 64 MB.
 */
export const SAGA_NODE_ARGS = ['--max-semi-space-size=64'];

/** The i-th saga-node's name in the report: saga-node, saga-node-2, … */
const nodeName = (i: number): string => (i === 0 ? 'saga-node' : `saga-node-${i + 1}`);

const entryOf = (name: string): string =>
  name.startsWith('saga-node')
    ? join(ROOT, 'apps', 'saga-node', 'dist', 'main.js')
    : join(ROOT, 'services', name, 'dist', 'main.js');

/**
 * The environment of a service the bench starts: the bench's own, its HTTP port, and — unless REDIS_URL says
 * otherwise — the stack's Redis by its Unix socket when there is one (`socketUrl`): a round trip over it costs the
 * nodes and Redis less CPU than loopback TCP, and the p50 at 100/s fell by ~1.3 ms (BENCHMARKS.md, session 11).
 */
export function serviceEnv(
  base: NodeJS.ProcessEnv,
  port: number,
  socketUrl: string | undefined,
): NodeJS.ProcessEnv {
  const redis = !base.REDIS_URL && socketUrl !== undefined ? { REDIS_URL: socketUrl } : {};
  return { ...base, ...redis, LOG_LEVEL: 'warn', HTTP_PORT: String(port) };
}

async function startService(name: string, port: number, opts: SystemOptions): Promise<ChildProcess> {
  const entry = entryOf(name);
  if (!existsSync(entry))
    throw new BenchError('BENCH_NOT_BUILT', `${entry} is missing: run \`npx turbo run build\` first`);
  const logDir = join(ROOT, '.stack', 'bench-logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const args = [...(name.startsWith('saga-node') ? SAGA_NODE_ARGS : []), ...(opts.serviceNodeArgs ?? [])];
  const child = spawn(process.execPath, [...args, entry], {
    cwd: ROOT,
    env: serviceEnv(process.env, port, stackRedisSocketUrl()),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const deadline = Date.now() + 60_000;
  while (!(await ready(port))) {
    if (child.exitCode !== null)
      throw new BenchError('BENCH_SERVICE_FAILED', `${name} exited with ${child.exitCode}; see ${logFile}`);
    if (Date.now() > deadline)
      throw new BenchError('BENCH_SERVICE_FAILED', `${name} not ready after 60 s; see ${logFile}`, true);
    await delay(100);
  }
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM'); // by our own handle (its pid), never by name; the service drains and exits
  await exited;
}

/**
 * What already runs on basePort..basePort+3: a saga-node on basePort, or all four services. Some services but not
 * all is an error: the bench would measure a saga that cannot finish.
 */
async function runningSystem(basePort: number): Promise<{ name: string; port: number }[]> {
  if ((await ready(basePort)) && (await serviceOn(basePort)) === 'saga-node') {
    const nodes = [{ name: nodeName(0), port: basePort }];
    for (let port = basePort + 1; (await serviceOn(port)) === 'saga-node'; port++)
      nodes.push({ name: nodeName(nodes.length), port });
    return nodes;
  }
  const health = await Promise.all(SERVICES.map((_, i) => ready(portOf(basePort, i))));
  if (health.every(Boolean)) return SERVICES.map((name, i) => ({ name, port: portOf(basePort, i) }));
  if (health.some(Boolean)) {
    const missing = SERVICES.filter((_, i) => !health[i]).join(', ');
    throw new BenchError(
      'BENCH_PARTIAL_SYSTEM',
      `only some services answer on ${basePort}-${basePort + 3} (not: ${missing}); stop them or start the rest`,
    );
  }
  return [];
}

/**
 * Uses the system that answers on basePort..basePort+3, or — when none does — leases the local stack (starting
 * what is down), provisions topics and schemas, and starts the services (`deploy`); stop() undoes only what it did.
 */
export async function ensureSystem(opts: SystemOptions): Promise<BenchSystem> {
  const say = opts.onProgress ?? (() => undefined);
  const children: ChildProcess[] = [];
  const started: string[] = [];
  const pids = new Map<string, number>();
  const ports = new Map<string, number>();
  let leased = false;
  const running = await runningSystem(opts.basePort);
  if (running.length === 0) {
    const nodes = opts.nodes ?? 2;
    const names =
      opts.deploy === 'node' ? Array.from({ length: nodes }, (_, i) => nodeName(i)) : [...SERVICES];
    say(`no services running: leasing the local stack and starting ${names.join(', ')}`);
    const { up } = await acquireStack({ onProgress: (p) => say(`[${p.part}] ${p.message}`) });
    leased = true;
    started.push(...up.started);
    await provision(loadConnectionConfig());
    try {
      for (const [i, name] of names.entries()) {
        const child = await startService(name, portOf(opts.basePort, i), opts);
        children.push(child);
        started.push(name);
        ports.set(name, portOf(opts.basePort, i));
        if (child.pid !== undefined) pids.set(name, child.pid);
      }
    } catch (err) {
      await Promise.all(children.map(stopChild));
      await releaseStack();
      throw err;
    }
  } else {
    for (const { name, port } of running) {
      ports.set(name, port);
      const pid = pidListeningOn(port);
      if (pid !== undefined) pids.set(name, pid);
    }
  }

  let kafkaVersion: string | null = null;
  let redisVersion: string | null = null;
  try {
    const status = await stackStatus();
    for (const part of status.parts) if (part.pid !== null) pids.set(part.part, part.pid);
    kafkaVersion = status.parts.find((p) => p.part === 'kafka')?.version ?? null;
    redisVersion = status.parts.find((p) => p.part === 'redis')?.version ?? null;
  } catch {
    // an external stack (KAFKA_BROKERS elsewhere): no local pids to sample
  }
  pids.set('bench', process.pid);

  return {
    pids,
    ports,
    started,
    kafkaVersion,
    redisVersion,
    async stop() {
      await Promise.all(children.map(stopChild));
      if (leased) await releaseStack({ onProgress: (p) => say(`[${p.part}] ${p.message}`) });
    },
  };
}
