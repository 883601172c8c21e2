import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { setTimeout as tick } from 'node:timers/promises';
import { collectRetries, formatAudit, runAudit, type AuditReport } from '@saga/audit';
import type { OrderInput, SagaDriver } from '../../support/saga-driver.js';
import { mixedOrder, settle, startLoad, type Load } from './load.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Every scenario's figures, one JSON line each: RELIABILITY.md quotes the last run on this machine. */
export const RESULTS_FILE = join(ROOT, '.stack', 'chaos-results.jsonl');

/** SAGA_CHAOS=short (CI): a few hundred sagas per scenario; otherwise the full run, ≥ 1,000 each. */
export const SHORT = (process.env.SAGA_CHAOS ?? 'full') === 'short';
export const RATE = Number(process.env.SAGA_CHAOS_RATE ?? (SHORT ? 40 : 100));
/**
 * The full run's scenarios outlast the global test timeout (sequential 30 s rebalances, 1,000+ sagas); the short
 * one keeps the global timeout.
 */
export const CHAOS_TIMEOUT_MS: number | undefined = SHORT ? undefined : 900_000;
export const SECONDS = Number(process.env.SAGA_CHAOS_SECONDS ?? (SHORT ? 8 : 12));

export interface ScenarioContext {
  runId: string;
  load: Load;
  skus: { stocked: string; soldOut: string };
}

export interface ScenarioOptions {
  name: string;
  /** Names the run's orders (`chaos-<runId>-<i>`) and SKUs; random by default. */
  runId?: string;
  /** The fault: inject it and return once it is cleared (the process restarted, the broker back). */
  fault: (ctx: ScenarioContext) => Promise<void>;
  /** Fraction of the load's duration after which the fault starts. */
  faultAt?: number;
  orderFor?: (i: number, ctx: ScenarioContext) => OrderInput;
  /** Runs after the load and before the final settle, e.g. to recover a gateway. */
  afterLoad?: (ctx: ScenarioContext) => Promise<void>;
  settleTimeoutMs?: number;
  /** Measure recovery from the fault's injection (default) or from its clearing (an outage ended by hand). */
  recoveryFrom?: 'injected' | 'cleared';
  /** Settle without waiting for parked orders (default); false: they must complete too. */
  exemptParked?: boolean;
  rate?: number;
  seconds?: number;
}

export interface ScenarioResult {
  scenario: string;
  mode: 'short' | 'full';
  requested: number;
  terminal: number;
  stuck: number;
  lost: number;
  duplicateEffects: number;
  /** How long the fault lasted: from injection until it was cleared (restarted, back up). */
  faultMs: number;
  /** From the fault's injection until every order requested before it was cleared was terminal (or parked). */
  recoveryMs: number;
  publishErrors: number;
  auditOk: boolean;
  at: string;
  report: AuditReport;
  ctx: ScenarioContext;
}

const STOCK = 1_000_000;

export const newRunId = (): string => randomUUID().slice(0, 8);

/** Orders that wait in a parked retry are stuck but visible: settling does not wait for them. */
async function notParked(driver: SagaDriver, open: string[]): Promise<string[]> {
  if (open.length === 0) return open;
  const { parked } = await collectRetries(driver.redis);
  return open.filter((id) => !parked.has(id));
}

/** Load → fault → recovery → audit, with the figures every scenario prints. */
export async function runScenario(driver: SagaDriver, opts: ScenarioOptions): Promise<ScenarioResult> {
  const runId = opts.runId ?? newRunId();
  const skus = { stocked: `SKU-CHAOS-${runId}`, soldOut: `SKU-CHAOS-${runId}-SOLDOUT` };
  await driver.setStock(skus.stocked, STOCK);
  await driver.setStock(skus.soldOut, 0);
  const rate = opts.rate ?? RATE;
  const seconds = opts.seconds ?? SECONDS;
  const mixed = mixedOrder(runId, skus);
  const ctx: ScenarioContext = { runId, skus, load: undefined as unknown as Load };
  const load = startLoad(driver, {
    rate,
    seconds,
    orderFor: (i) => (opts.orderFor ? opts.orderFor(i, ctx) : mixed(i)),
  });
  ctx.load = load;

  // Wait until the fault is due, by the load's own progress rather than a timer.
  const faultAfter = Math.floor(rate * seconds * (opts.faultAt ?? 0.3));
  await settleUntil(() => load.requested.size >= faultAfter, load.done);
  const injectedAt = Date.now();
  await opts.fault(ctx);
  const clearedAt = Date.now();
  const faultMs = clearedAt - injectedAt;
  const from = opts.recoveryFrom === 'cleared' ? clearedAt : injectedAt;
  const exempt = (open: string[]) =>
    opts.exemptParked === false ? Promise.resolve(open) : notParked(driver, open);
  const before = [...load.requested.keys()];
  const recovered = settle(driver, before, 90_000, exempt).then(() => Date.now() - from);
  await load.done;
  if (opts.afterLoad) await opts.afterLoad(ctx);
  const ids = [...load.requested.keys()];
  await settle(driver, ids, opts.settleTimeoutMs ?? 90_000, exempt);
  const recoveryMs = await recovered;

  const report = await runAudit(driver.redis, {
    orderIds: ids,
    initialStock: { [skus.stocked]: STOCK, [skus.soldOut]: 0 },
    graceMs: 5_000,
  });
  const f = report.figures;
  const result: ScenarioResult = {
    scenario: opts.name,
    mode: SHORT ? 'short' : 'full',
    requested: ids.length,
    terminal: f.terminal,
    stuck: f.stuck,
    lost: f.lost,
    duplicateEffects: f.duplicateEffects,
    faultMs,
    recoveryMs,
    publishErrors: load.publishErrors(),
    auditOk: report.ok,
    at: new Date().toISOString(),
    report,
    ctx,
  };
  record(result);
  return result;
}

/** Resolves once the load has requested `count` orders (or finished): faults are timed by load progress. */
export function untilRequested(ctx: ScenarioContext, count: number): Promise<void> {
  return settleUntil(() => ctx.load.requested.size >= count, ctx.load.done);
}

/** Resolves when `cond` holds (checked every 50 ms) or `end` settles, whichever is first. */
async function settleUntil(cond: () => boolean, end: Promise<void>): Promise<void> {
  let finished = false;
  void end.finally(() => (finished = true));
  while (!cond() && !finished) await tick(50);
}

export function summaryLine(r: Omit<ScenarioResult, 'report' | 'ctx'>): string {
  return (
    `chaos ${r.mode} | ${r.scenario} | requested ${r.requested} | terminal ${r.terminal} | stuck ${r.stuck} | ` +
    `lost ${r.lost} | duplicate effects ${r.duplicateEffects} | fault ${(r.faultMs / 1000).toFixed(1)} s | ` +
    `recovered after ${(r.recoveryMs / 1000).toFixed(1)} s | ` +
    `publish errors ${r.publishErrors} | audit ${r.auditOk ? 'clean' : 'FAILED'}`
  );
}

function record(r: ScenarioResult): void {
  const { report, ctx, ...figures } = r;
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  appendFileSync(RESULTS_FILE, `${JSON.stringify({ ...figures, runId: ctx.runId })}\n`);
  process.stdout.write(`\n${summaryLine(r)}\n`);
  if (!report.ok) process.stdout.write(`${formatAudit(report)}\n`);
}
