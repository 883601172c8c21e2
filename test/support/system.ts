import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { pollUntil } from '@saga/testkit';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVICES = ['order', 'payment', 'inventory', 'shipping'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface RunningProcess {
  name: ServiceName;
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
}

/** The four services as separate OS processes, as in production, started from their built entry points. */
export class SystemUnderTest {
  readonly processes: RunningProcess[] = [];
  private nextPort: number;

  constructor(private readonly opts: SystemOptions = {}) {
    this.nextPort = opts.basePort ?? 3100;
  }

  async start(): Promise<void> {
    await Promise.all(SERVICES.map((s) => this.startService(s)));
  }

  async startService(name: ServiceName): Promise<RunningProcess> {
    const port = this.nextPort++;
    const instance = this.processes.filter((p) => p.name === name).length;
    const logDir = join(ROOT, '.stack', 'test-logs');
    mkdirSync(logDir, { recursive: true });
    const logFile = join(logDir, `${name}-${instance}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(process.execPath, [join(ROOT, 'services', name, 'dist', 'main.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        LOG_LEVEL: process.env.SAGA_TEST_LOG_LEVEL ?? 'info',
        SAGA_TIME_SCALE: String(this.opts.timeScale ?? 0.01),
        HTTP_PORT: String(port),
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
  }
}
