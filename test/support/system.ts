import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Topics } from '@saga/contracts';
import { createKafka, createLogger, loadConnectionConfig } from '@saga/messaging';
import { pollUntil } from '@saga/testkit';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVICES = ['order', 'payment', 'inventory', 'shipping'] as const;
export type ServiceName = (typeof SERVICES)[number];
/** The single-process deployment (apps/saga-node): the four services in one process and one consumer group. */
export const SAGA_NODE = 'saga-node';
export type ProcessName = ServiceName | typeof SAGA_NODE;

export interface RunningProcess {
  name: ProcessName;
  instance: number;
  child: ChildProcess;
  url: string;
  logFile: string;
}

export interface SystemOptions {
  /** Shrinks every retry delay; 0.01 turns the reference's 5 s × 3 into 50 ms × 3. */
  timeScale?: number;
  basePort?: number;
  env?: NodeJS.ProcessEnv;
  /**
   * What `start()` runs: `services` (the default), the four services as four processes; `node`, `nodes` saga-node
   * processes (apps/saga-node), each hosting all four services, together one consumer group.
   */
  deploy?: 'services' | 'node';
  /** `deploy: 'node'`: how many saga-node processes `start()` runs (default 1); `startNode()` adds more. */
  nodes?: number;
  /**
   * `deploy: 'node'`: the saga-node consumer group (SAGA_GROUP_ID). Default: a new group per system, set to the
   * current end of the event topics before the first node starts (a group without offsets would read the topics
   * from the beginning, every saga ever run on this stack) and deleted by `stop()`. Not the nodes' own default
   * (`saga-node`): a bench running on the same stack uses that one.
   */
  groupId?: string;
}

/** The four services as separate OS processes, as in production, started from their built entry points. */
export class SystemUnderTest {
  readonly processes: RunningProcess[] = [];
  /** `deploy: 'node'`: the consumer group of the saga-node processes. */
  readonly groupId: string;
  private nextPort: number;
  private groupPrepared?: Promise<void>;

  constructor(private readonly opts: SystemOptions = {}) {
    this.nextPort = opts.basePort ?? 3100;
    this.groupId = opts.groupId ?? `saga-node-test-${randomBytes(4).toString('hex')}`;
  }

  async start(): Promise<void> {
    if (this.opts.deploy === 'node') {
      await Promise.all(Array.from({ length: this.opts.nodes ?? 1 }, () => this.startNode()));
    } else {
      await Promise.all(SERVICES.map((s) => this.startService(s)));
    }
  }

  startService(name: ServiceName): Promise<RunningProcess> {
    return this.spawn(name, join(ROOT, 'services', name, 'dist', 'main.js'), {});
  }

  /** One more saga-node process (all four services) in this system's consumer group. */
  async startNode(env: NodeJS.ProcessEnv = {}): Promise<RunningProcess> {
    if (!this.opts.groupId) await (this.groupPrepared ??= groupAtEnd(this.groupId));
    return this.spawn(SAGA_NODE, join(ROOT, 'apps', 'saga-node', 'dist', 'main.js'), {
      SAGA_GROUP_ID: this.groupId,
      ...env,
    });
  }

  private async spawn(name: ProcessName, entry: string, own: NodeJS.ProcessEnv): Promise<RunningProcess> {
    const port = this.nextPort++;
    const instance = this.processes.filter((p) => p.name === name).length;
    const logDir = join(ROOT, '.stack', 'test-logs');
    mkdirSync(logDir, { recursive: true });
    const logFile = join(logDir, `${name}-${instance}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(process.execPath, [entry], {
      cwd: ROOT,
      env: {
        ...process.env,
        LOG_LEVEL: process.env.SAGA_TEST_LOG_LEVEL ?? 'info',
        SAGA_TIME_SCALE: String(this.opts.timeScale ?? 0.01),
        HTTP_PORT: String(port),
        ...own,
        ...this.opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    const proc: RunningProcess = { name, instance, child, url: `http://127.0.0.1:${port}`, logFile };
    this.processes.push(proc);
    await pollUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}; see ${logFile}`);
        const res = await fetch(`${proc.url}/health/ready`).catch(() => undefined);
        return res?.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 100, description: `${name} ready (log: ${logFile})` },
    );
    return proc;
  }

  /** SIGTERM (drain) or SIGKILL (crash) one process and wait until it is gone. */
  async stopProcess(proc: RunningProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const idx = this.processes.indexOf(proc);
    if (idx >= 0) this.processes.splice(idx, 1);
    if (proc.child.exitCode !== null) return proc.child.exitCode;
    const exited = once(proc.child, 'exit');
    proc.child.kill(signal);
    const [code] = (await exited) as [number | null];
    return code;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.processes].map((p) => this.stopProcess(p)));
    if (this.groupPrepared && this.processes.length === 0) await deleteGroup(this.groupId);
  }
}

/** A connected Kafka admin for the length of `fn`. */
export async function withAdmin<T>(
  fn: (admin: ReturnType<ReturnType<typeof createKafka>['admin']>) => Promise<T>,
) {
  const kafka = createKafka(loadConnectionConfig(), 'e2e-system', createLogger('e2e-system', 'silent'));
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Commits `groupId` at the current end of every event topic: its consumers take only what comes after. */
export function groupAtEnd(groupId: string): Promise<void> {
  return withAdmin(async (admin) => {
    for (const topic of Object.values(Topics)) {
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({
        groupId,
        topic,
        partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })),
      });
    }
  });
}

async function deleteGroup(groupId: string): Promise<void> {
  await withAdmin((admin) => admin.deleteGroups([groupId])).catch(() => undefined);
}
