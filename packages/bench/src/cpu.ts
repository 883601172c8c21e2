import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/**
 * CPU time per process from /proc (Linux only): utime + stime of /proc/<pid>/stat, in clock ticks. Two samples
 * over a wall-clock window give the percent of ONE core the process used (200 % = both cores of a 2-core box).
 */

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // USER_HZ is 100 on every mainstream Linux build
    }
  }
  return ticksPerSecond;
}

/** utime + stime from the text of /proc/<pid>/stat; the command name may contain spaces and parentheses. */
export function parseStatTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (field 14) is fields[11] and stime (field 15) fields[12].
  return Number(fields[11]) + Number(fields[12]);
}

function cpuTicks(pid: number): number | undefined {
  try {
    return parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined; // gone, or not Linux
  }
}

export interface CpuSample {
  at: number;
  ticks: Map<string, number>;
}

export function sampleCpu(pids: ReadonlyMap<string, number>): CpuSample {
  const ticks = new Map<string, number>();
  for (const [name, pid] of pids) {
    const t = cpuTicks(pid);
    if (t !== undefined) ticks.set(name, t);
  }
  return { at: performance.now(), ticks };
}

/** Percent of one core per process between two samples, one decimal. */
export function cpuPercent(from: CpuSample, to: CpuSample): Record<string, number> {
  const seconds = (to.at - from.at) / 1000;
  const out: Record<string, number> = {};
  if (seconds <= 0) return out;
  for (const [name, end] of to.ticks) {
    const start = from.ticks.get(name);
    if (start === undefined) continue;
    out[name] = Math.round(((end - start) / clockTicks() / seconds) * 1000) / 10;
  }
  return out;
}

/** The pid listening on a local TCP port (IPv4 or IPv6), for services this bench did not start itself. */
export function pidListeningOn(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT, st 0A = LISTEN, inode is column 9.
      if (cols.length > 9 && cols[3] === '0A' && parseInt(cols[1]!.split(':')[1]!, 16) === port)
        inodes.add(cols[9]!);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // not ours to read, or gone
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return Number(entry);
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return undefined;
}
