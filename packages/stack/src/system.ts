import { accessSync, constants, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import type { PortHolder } from './errors.js';

/** Finds an executable on a PATH string, like `which`. */
export function findOnPath(name: string, pathEnv: string | undefined): string | undefined {
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface ProcStat {
  /** R, S, D, Z, T, ... */
  state: string;
  /** Start time in clock ticks after boot: with the pid, it names one process for good. */
  startTicks: number;
}

/** Parses /proc/<pid>/stat (the command may contain spaces and parentheses: split after the last ')'). */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (state); starttime is field 22.
  const state = fields[0];
  const start = fields[19];
  if (!state || !start || !/^[0-9]+$/.test(start)) return undefined;
  return { state, startTicks: Number(start) };
}

export interface ProcessIdentity {
  pid: number;
  startTicks: number;
  /** The resolved executable (/proc/<pid>/exe). */
  exe: string;
}

/** What /proc says about a live (non-zombie) process, or undefined when there is none. */
export function readProcess(pid: number): (ProcessIdentity & { cmdline: string[] }) | undefined {
  try {
    const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    if (!stat || stat.state === 'Z' || stat.state === 'X') return undefined;
    let exe = '';
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      // not ours to read; identity then rests on start time and cmdline
    }
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return { pid, startTicks: stat.startTicks, exe, cmdline };
  } catch {
    return undefined;
  }
}

/** True when `pid` is still the very process recorded (same start time and executable), not a reused pid. */
export function isSameProcess(recorded: ProcessIdentity): boolean {
  const now = readProcess(recorded.pid);
  if (!now) return false;
  if (now.startTicks !== recorded.startTicks) return false;
  return recorded.exe === '' || now.exe === '' || now.exe === recorded.exe;
}

export interface ListeningSocket {
  port: number;
  inode: number;
}

/** Parses /proc/net/tcp or tcp6 and returns the sockets in LISTEN state (0A). */
export function parseProcNetTcp(text: string): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const local = f[1];
    const state = f[3];
    const inode = f[9];
    if (state !== '0A' || !local || !inode) continue;
    const portHex = local.slice(local.lastIndexOf(':') + 1);
    out.push({ port: parseInt(portHex, 16), inode: Number(inode) });
  }
  return out;
}

/** Finds the process listening on a TCP port via /proc (no external tools needed); undefined if unknown. */
export function findPortHolder(port: number): PortHolder | undefined {
  const inodes = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const s of parseProcNetTcp(readFileSync(file, 'utf8'))) if (s.port === port) inodes.add(s.inode);
    } catch {
      // no IPv6, or no /proc
    }
  }
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[([0-9]+)\]$/.exec(target);
      if (m && inodes.has(Number(m[1]))) {
        const info = readProcess(Number(pid));
        const command = info ? summarizeCommand(info.cmdline) : '?';
        return { pid: Number(pid), command };
      }
    }
  }
  return undefined;
}

/** A short, readable form of a command line (JVMs show their main class or jar, not 40 options). */
export function summarizeCommand(argv: readonly string[]): string {
  if (argv.length === 0) return '?';
  const [exe, ...rest] = argv;
  const base = (exe ?? '').split('/').pop() ?? '';
  if (base === 'java') {
    const jar = rest.indexOf('-jar');
    if (jar >= 0 && rest[jar + 1]) return `java -jar ${rest[jar + 1]}`;
    const main = rest.find(
      (a, i) => !a.startsWith('-') && rest[i - 1] !== '-cp' && rest[i - 1] !== '-classpath',
    );
    return main ? `java ${main}` : 'java';
  }
  const s = argv.join(' ');
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** True when nothing listens on host:port (we can bind it ourselves). */
export function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolveFree(false));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolveFree(true));
    });
  });
}
