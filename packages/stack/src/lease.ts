import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadStackConfig, PARTS, type PartName } from './config.js';
import { withLock } from './lock.js';
import { writeJsonAtomic } from './state.js';
import { stackDown, stackUp } from './stack.js';
import { isSameProcess, readProcess, type ProcessIdentity } from './system.js';
import type { StackCallOptions, StackDownResult, StackUpResult } from './types.js';

/**
 * Shared use of one stack by several processes (parallel test runs on one machine): each acquires a lease; the
 * parts that any lease holder started are stopped by the last holder to release, so one run never stops the stack
 * under another, and a stack someone started by hand (`saga stack up`) is never stopped by a test run.
 */
interface LeaseFile {
  holders: ProcessIdentity[];
  /** Parts started by lease holders (not by hand), to stop when the last holder leaves. */
  startedByHolders: PartName[];
}

function leasePaths(env: NodeJS.ProcessEnv) {
  const config = loadStackConfig(env);
  return { file: join(config.stackDir, 'leases.json'), lock: join(config.stackDir, 'leases.lock') };
}

function readLeases(file: string): LeaseFile {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LeaseFile>;
    return {
      holders: Array.isArray(parsed.holders) ? parsed.holders : [],
      startedByHolders: Array.isArray(parsed.startedByHolders) ? parsed.startedByHolders : [],
    };
  } catch {
    return { holders: [], startedByHolders: [] };
  }
}

function self(): ProcessIdentity {
  const me = readProcess(process.pid);
  return { pid: process.pid, startTicks: me?.startTicks ?? 0, exe: me?.exe ?? '' };
}

export interface StackLease {
  /** What this acquire started (the stack as a whole may have been started by others). */
  up: StackUpResult;
}

/** `stackUp`, and registers this process as a user of the stack. */
export async function acquireStack(opts: StackCallOptions = {}): Promise<StackLease> {
  const env = opts.env ?? process.env;
  const { file, lock } = leasePaths(env);
  return withLock(lock, async () => {
    const up = await stackUp(opts);
    const leases = readLeases(file);
    const me = self();
    leases.holders = [...leases.holders.filter((h) => h.pid !== me.pid && isSameProcess(h)), me];
    leases.startedByHolders = PARTS.filter(
      (p) => leases.startedByHolders.includes(p) || up.started.includes(p),
    );
    writeJsonAtomic(file, leases);
    return { up };
  });
}

/**
 * Unregisters this process; when no other live holder remains, stops the parts that holders started. Returns
 * what was stopped (nothing while others still use the stack).
 */
export async function releaseStack(
  opts: StackCallOptions & { keep?: boolean } = {},
): Promise<StackDownResult & { othersStillUsing: number }> {
  const env = opts.env ?? process.env;
  const { file, lock } = leasePaths(env);
  return withLock(lock, async () => {
    const leases = readLeases(file);
    const others = leases.holders.filter((h) => h.pid !== process.pid && isSameProcess(h));
    const none: StackDownResult = { stopped: [], killed: [], notRunning: [] };
    if (others.length > 0 || opts.keep || leases.startedByHolders.length === 0) {
      writeJsonAtomic(file, { ...leases, holders: others });
      return { ...none, othersStillUsing: others.length };
    }
    const down = await stackDown({ ...opts, parts: leases.startedByHolders });
    writeJsonAtomic(file, { holders: [], startedByHolders: [] });
    return { ...down, othersStillUsing: 0 };
  });
}
