import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_GRACE_MS, formatAudit, runAudit } from '@saga/audit';
import { withRedis } from '../order-io.js';

function parseEpochMs(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n))
    throw new InvalidArgumentError('must be epoch milliseconds, e.g. 1764000000000.');
  return n;
}

/** `SKU=units,SKU=units`: the initial stock of SKUs the caller owns, to check conservation on them. */
export function parseInitialStock(value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([^=\s{}]+)=(\d+)$/.exec(part);
    if (!m) throw new InvalidArgumentError(`"${part}" is not SKU=units.`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

interface AuditOpts {
  json?: boolean;
  since?: number;
  graceMs: number;
  initialStock?: Record<string, number>;
}

/** `saga audit`: the saga's invariants over every order in Redis; exit 1 when any check fails. */
export function auditCommand(): Command {
  return new Command('audit')
    .description(
      'check every order: none lost, money and stock add up, no effect twice, none moved backwards (exit 1 on failure)',
    )
    .option('--json', 'machine-readable report')
    .option('--since <epochMs>', 'only orders created at or after this time (epoch ms)', parseEpochMs)
    .option(
      '--grace-ms <ms>',
      'an unfinished order quiet this long with no retry scheduled counts as lost',
      parseEpochMs,
      DEFAULT_GRACE_MS,
    )
    .option(
      '--initial-stock <SKU=units,...>',
      'known initial stock: check initial = available + reserved',
      parseInitialStock,
    )
    .action(async (opts: AuditOpts) => {
      const report = await withRedis((redis) =>
        runAudit(redis, {
          graceMs: opts.graceMs,
          ...(opts.since !== undefined ? { since: opts.since } : {}),
          ...(opts.initialStock ? { initialStock: opts.initialStock } : {}),
        }),
      );
      console.log(opts.json ? JSON.stringify(report, null, 2) : formatAudit(report));
      if (!report.ok) process.exitCode = 1;
    });
}
