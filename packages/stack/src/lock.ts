import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { StackError } from './errors.js';
import { isSameProcess, readProcess } from './system.js';

/**
 * Runs `fn` while holding an exclusive lock file (so two `saga stack up` never race on one stack dir). A lock left
 * by a process that no longer exists is taken over.
 */
export async function withLock<T>(
  file: string,
  fn: () => Promise<T>,
  opts: { timeoutMs?: number; onWait?: (holderPid: number) => void } = {},
): Promise<T> {
  // Callers in this process queue up here first; the file then guards against other processes.
  const previous = inProcess.get(file) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = previous.then(() => mine);
  inProcess.set(file, tail);
  await previous;
  try {
    return await withFileLock(file, fn, opts);
  } finally {
    release();
    if (inProcess.get(file) === tail) inProcess.delete(file);
  }
}

const inProcess = new Map<string, Promise<void>>();

async function withFileLock<T>(
  file: string,
  fn: () => Promise<T>,
  opts: { timeoutMs?: number; onWait?: (holderPid: number) => void },
): Promise<T> {
  const { timeoutMs = 15 * 60_000, onWait } = opts;
  mkdirSync(dirname(file), { recursive: true });
  const me = readProcess(process.pid);
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(
        fd,
        JSON.stringify({ pid: process.pid, startTicks: me?.startTicks ?? 0, exe: me?.exe ?? '' }),
      );
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder: { pid: number; startTicks: number; exe: string } | undefined;
    try {
      holder = JSON.parse(readFileSync(file, 'utf8')) as typeof holder;
    } catch {
      holder = undefined; // being written right now, or garbage: look again shortly
    }
    if (holder && (holder.pid === process.pid || !isSameProcess(holder))) {
      // Left behind by a process that is gone (or by ourselves after a crash in this process): take it over.
      try {
        unlinkSync(file);
      } catch {
        // someone else took it over first
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new StackError(
        'STACK_LOCKED',
        `Another saga stack command (pid ${holder?.pid ?? '?'}) has held ${file} for over ${Math.round(
          timeoutMs / 1000,
        )} s. Wait for it, or stop it; if no such process runs, delete the file.`,
      );
    }
    if (!told && holder) {
      onWait?.(holder.pid);
      told = true;
    }
    await delay(250);
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  }
}
