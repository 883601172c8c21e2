import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PartName } from './config.js';
import type { ProcessIdentity } from './system.js';

/** One process the stack started; `stackDown` stops it only while /proc still shows this very process. */
export interface PartRecord extends ProcessIdentity {
  startedAt: string;
  ports: number[];
  command: string[];
}

export interface StackState {
  version: 1;
  /** The KRaft cluster id the Kafka data dir was formatted with. */
  clusterId?: string;
  /** Set when the Kafka data dir was formatted with SCRAM users (`stack up --secure`): the mode sticks to the data. */
  secure?: boolean;
  parts: Partial<Record<PartName, PartRecord>>;
}

export function emptyState(): StackState {
  return { version: 1, parts: {} };
}

export function readState(file: string): StackState {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<StackState>;
    if (parsed.version !== 1 || typeof parsed.parts !== 'object' || parsed.parts === null)
      return emptyState();
    return {
      version: 1,
      parts: parsed.parts,
      ...(parsed.clusterId ? { clusterId: parsed.clusterId } : {}),
      ...(parsed.secure ? { secure: true } : {}),
    };
  } catch {
    return emptyState();
  }
}

/** Writes JSON atomically (temp file + rename), so a crash never leaves half a file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

export function writeState(file: string, state: StackState): void {
  writeJsonAtomic(file, state);
}
