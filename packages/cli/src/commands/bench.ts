import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import {
  DEFAULT_MIX,
  DEPLOYMENTS,
  findMax,
  formatFindMax,
  formatReport,
  parseMix,
  runBench,
  STARTED_SYSTEM_WARMUP_S,
  type Deployment,
} from '@saga/bench';
import { fail } from '../output.js';

function positive(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a number > 0`);
    return n;
  };
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number >= 0');
  return n;
}

function mix(value: string): string {
  try {
    parseMix(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return value;
}

interface BenchFlags {
  rate?: number;
  duration: number;
  mix: string;
  warmup?: number;
  json?: string;
  findMax?: boolean;
  stepDuration: number;
  p99Limit: number;
  drainTimeout: number;
  basePort: number;
  serviceNodeArgs?: string;
  deploy: Deployment;
  nodes: number;
}

function nodeCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new InvalidArgumentError('a whole number from 1 to 16');
  return n;
}

function deployment(value: string): Deployment {
  const d = DEPLOYMENTS.find((x) => x === value);
  if (!d) throw new InvalidArgumentError(`one of ${DEPLOYMENTS.join(', ')}`);
  return d;
}

/** Progress on stderr so that stdout is only the summary. */
const progress = (line: string): void => void process.stderr.write(`${line}\n`);

export function benchCommand(): Command {
  return new Command('bench')
    .description(
      'open-loop load: sends orders at a fixed rate, measures saga latency (scheduled send → terminal event), CPU and throughput, then audits money and stock',
    )
    .option('--rate <sagas/s>', 'orders per second', positive('rate'))
    .option('--duration <s>', 'measured seconds', positive('duration'), 30)
    .option(
      '--mix <kind=weight,...>',
      'paths: happy, declined, out-of-stock, ship-fails, capture-fails, rejected',
      mix,
      DEFAULT_MIX,
    )
    .option(
      '--warmup <s>',
      `seconds of unmeasured load (ramping up to --rate) before measuring; default ${STARTED_SYSTEM_WARMUP_S} when the bench starts processes itself (their JIT warm-up), else 0`,
      nonNegative,
    )
    .option('--json <file>', 'also write the full result as JSON')
    .option(
      '--find-max',
      'step the rate up from --rate (default 100: 100, 200, 400, 800, 1200, ...) until the backlog grows; reports the highest rate at p99 <= --p99-limit and the highest kept up with',
    )
    .option(
      '--p99-limit <ms>',
      '--find-max: the p99 a sustainable step must stay under',
      positive('p99 limit'),
      1000,
    )
    .option('--step-duration <s>', 'seconds per --find-max step', positive('step duration'), 20)
    .option(
      '--base-port <port>',
      'services answer on port..port+3 (order, payment, inventory, shipping)',
      positive('port'),
      3000,
    )
    .option(
      '--deploy <node|services>',
      'when nothing runs yet, how the bench starts the services: node = the four in one process (apps/saga-node), services = four processes',
      deployment,
      'node',
    )
    .option('--nodes <n>', 'with --deploy node: how many saga-node processes', nodeCount, 2)
    .option(
      '--service-node-args <args>',
      'node arguments for services the bench starts itself, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"',
    )
    .action(async (flags: BenchFlags) => {
      const common = {
        mix: flags.mix,
        ...(flags.warmup !== undefined ? { warmupS: flags.warmup } : {}),
        basePort: flags.basePort,
        deploy: flags.deploy,
        nodes: flags.nodes,
        drainTimeoutS: flags.drainTimeout,
        onProgress: progress,
        ...(flags.serviceNodeArgs
          ? { serviceNodeArgs: flags.serviceNodeArgs.split(/\s+/).filter(Boolean) }
          : {}),
      };
      let json: unknown;
      let ok: boolean;
      if (flags.findMax) {
        const report = await findMax({
          ...common,
          ...(flags.rate ? { startRate: flags.rate } : {}),
          stepS: flags.stepDuration,
          p99LimitMs: flags.p99Limit,
        });
        console.log(formatFindMax(report));
        json = report;
        ok = report.audit.ok;
      } else {
        if (flags.rate === undefined) fail('--rate <sagas/s> is required (or use --find-max)', 2);
        const report = await runBench({ ...common, rate: flags.rate, durationS: flags.duration });
        console.log(formatReport(report));
        json = report;
        ok = report.audit.ok;
      }
      if (flags.json) writeFileSync(flags.json, `${JSON.stringify(json, null, 2)}\n`);
      // A failed audit is a correctness bug, not a slow run: make it visible to scripts.
      if (!ok) process.exitCode = 2;
    });
}
