import { Command, InvalidArgumentError } from 'commander';
import {
  PARTS,
  stackDown,
  stackEnv,
  stackLogs,
  PRINCIPALS,
  stackRotate,
  stackStatus,
  stackUp,
  type RotatedSystem,
  type PartName,
  type PartStatus,
  type StackProgress,
  type StackStatus,
} from '@saga/stack';
import { fail } from '../output.js';

/** Progress goes to stderr (stdout stays the result, e.g. JSON), one prefixed line each. */
function printProgress(p: StackProgress): void {
  process.stderr.write(`[${p.part}] ${p.message}\n`);
}

function parsePositiveInt(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('expected a whole number >= 1');
  return Number(value);
}

function parsePart(value: string): PartName {
  if (!(PARTS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${PARTS.join(', ')}`);
  }
  return value as PartName;
}

function stateOf(p: PartStatus): string {
  if (p.healthy) return p.managedBy === 'external' ? 'healthy (not started by saga)' : 'healthy';
  return p.running ? 'UNHEALTHY' : 'down';
}

export function formatStatus(status: StackStatus): string {
  const rows = status.parts.map((p) => [
    p.part,
    stateOf(p),
    p.pid === null ? '-' : `pid ${p.pid}`,
    p.endpoint,
    p.version ?? '',
    p.healthy ? '' : p.detail,
  ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
  const mode = status.secure
    ? 'secured (TLS; Kafka SASL/SCRAM-SHA-512 + ACLs, Redis ACL users; `saga stack env <principal>` for clients)'
    : 'plain (no authentication)';
  return `${lines.join('\n')}\nstack dir: ${status.stackDir}\nmode: ${mode}`;
}

function connectionHint(status: StackStatus): string {
  if (status.secure)
    return 'secured: `eval "$(npx saga stack env <principal> --export)"` for a service or the CLI';
  return Object.entries(status.connection)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

export function stackCommand(): Command {
  const stack = new Command('stack').description(
    'the local stack: Kafka (KRaft), Apicurio Registry and Redis as local processes (state, logs, data in .stack/)',
  );

  stack
    .command('up')
    .description('start what is not running and wait until every part is healthy (idempotent)')
    .argument('[parts...]', `only these parts (${PARTS.join(', ')}); the registry brings Kafka along`)
    .option('--json', 'print the resulting status as JSON')
    .option(
      '--secure',
      'secured mode for a fresh stack dir (also SAGA_STACK_SECURE=1): TLS, SASL/SCRAM + ACLs on Kafka, ACL users on Redis',
    )
    .action(async (parts: string[], opts: { json?: boolean; secure?: boolean }) => {
      const result = await stackUp({
        onProgress: printProgress,
        ...(opts.secure ? { secure: true } : {}),
        ...(parts.length > 0 ? { parts: parts.map(parsePart) } : {}),
      });
      if (opts.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      console.log(formatStatus(result.status));
      console.log(
        result.started.length > 0
          ? `started: ${result.started.join(', ')}; stop with \`npx saga stack down\``
          : 'everything was already running',
      );
      console.log(`connection: ${connectionHint(result.status)}`);
    });

  stack
    .command('down')
    .description(
      'stop the processes `stack up` started (SIGTERM, then SIGKILL after a grace period); data is kept',
    )
    .argument('[parts...]', `only these parts (${PARTS.join(', ')})`)
    .option('--json', 'machine-readable output')
    .action(async (parts: string[], opts: { json?: boolean }) => {
      const result = await stackDown({
        onProgress: printProgress,
        ...(parts.length > 0 ? { parts: parts.map(parsePart) } : {}),
      });
      if (opts.json) {
        console.log(JSON.stringify(result));
        return;
      }
      const stopped = [...result.stopped, ...result.killed];
      console.log(stopped.length > 0 ? `stopped: ${stopped.join(', ')}` : 'nothing of ours was running');
    });

  stack
    .command('status')
    .description('per part: healthy, pid, endpoint, version (exit 0 when all healthy, 3 otherwise)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const status = await stackStatus();
      console.log(opts.json ? JSON.stringify(status, null, 2) : formatStatus(status));
      if (!status.healthy) process.exitCode = 3;
    });

  stack
    .command('env')
    .description(
      'the environment a service or the CLI needs against this stack; secured, passwords are *_FILE paths, never values',
    )
    .argument('<principal>', PRINCIPALS.join(' | '))
    .option('--export', 'prefix each line with `export ` (for eval)')
    .action((principal: string, opts: { export?: boolean }) => {
      if (!(PRINCIPALS as readonly string[]).includes(principal)) {
        fail(`unknown principal "${principal}": expected one of ${PRINCIPALS.join(', ')}`, 2);
      }
      const env = stackEnv(principal);
      const quote = (v: string) => (/^[A-Za-z0-9_./:@,=+-]*$/.test(v) ? v : `'${v.replace(/'/g, "'\\''")}'`);
      for (const [k, v] of Object.entries(env))
        console.log(`${opts.export ? 'export ' : ''}${k}=${quote(v)}`);
    });

  stack
    .command('rotate')
    .description(
      'secured stack: a new Kafka and Redis password for one principal (old one stops working); restart its clients',
    )
    .argument('<principal>', PRINCIPALS.join(' | '))
    .option('--only <system>', 'only kafka or only redis', (v: string): RotatedSystem => {
      if (v !== 'kafka' && v !== 'redis') throw new InvalidArgumentError('expected kafka or redis');
      return v;
    })
    .option('--json', 'machine-readable output')
    .action(async (principal: string, opts: { only?: RotatedSystem; json?: boolean }) => {
      if (!(PRINCIPALS as readonly string[]).includes(principal)) {
        fail(`unknown principal "${principal}": expected one of ${PRINCIPALS.join(', ')}`, 2);
      }
      const result = await stackRotate(principal, {
        onProgress: printProgress,
        ...(opts.only ? { systems: [opts.only] } : {}),
      });
      if (opts.json) {
        console.log(JSON.stringify(result));
        return;
      }
      for (const r of result.rotated) console.log(`${r.system}: new password for ${principal} in ${r.file}`);
      // Clients read *_FILE once at start-up; an open connection stays authenticated until it reconnects.
      console.log(`restart whatever runs as ${principal} so it reads the new password file`);
    });

  stack
    .command('logs')
    .description("the end of a part's log (default: every part)")
    .argument('[part]', PARTS.join(' | '), parsePart)
    .option('-n, --lines <n>', 'how many lines', parsePositiveInt, 50)
    .action((part: PartName | undefined, opts: { lines: number }) => {
      const logs = stackLogs(part, opts.lines);
      logs.forEach((log, i) => {
        if (logs.length > 1) console.log(`${i > 0 ? '\n' : ''}==> ${log.part}: ${log.file} <==`);
        if (!log.exists) console.log(`(no log yet: ${log.part} was never started from this stack dir)`);
        for (const line of log.lines) console.log(line);
      });
    });

  return stack;
}
