import type { Redis } from 'ioredis';
import { audit } from './audit.js';
import { collect, type CollectOptions } from './collect.js';
import type { AuditReport } from './types.js';

export interface RunAuditOptions extends CollectOptions {
  /** An unfinished order quiet for longer than this, with no retry scheduled, is lost. Default 60 s. */
  graceMs?: number;
  /** Defaults to Date.now(); tests pin it. */
  now?: number;
}

export const DEFAULT_GRACE_MS = 60_000;

/** Reads every audited order's records from Redis and checks the saga's invariants on them. Read-only. */
export async function runAudit(redis: Redis, opts: RunAuditOptions = {}): Promise<AuditReport> {
  const now = opts.now ?? Date.now();
  const { orders, skus } = await collect(redis, opts);
  return audit({ now, graceMs: opts.graceMs ?? DEFAULT_GRACE_MS, orders, skus });
}

export { audit } from './audit.js';
export { collect, collectRetries, type CollectOptions, type RetryCounts } from './collect.js';
export * from './checks.js';
export * from './types.js';
export { formatAudit, formatFigures } from './format.js';
