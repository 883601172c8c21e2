import { Command, CommanderError } from 'commander';
import { patchKafkajsRequestQueue } from '@saga/messaging';
import { CliError } from './output.js';
import { auditCommand } from './commands/audit.js';
import { benchCommand } from './commands/bench.js';
import { contractsCommand } from './commands/contracts.js';
import { demoCommand } from './commands/demo.js';
import { dlqCommand } from './commands/dlq.js';
import { orderCommand } from './commands/order.js';
import { stackCommand } from './commands/stack.js';
import { stockCommand } from './commands/stock.js';
import { tailCommand } from './commands/tail.js';
import { topicsCommand } from './commands/topics.js';

/**
 * The `saga` command line. Each command lives in ./commands/<name>.ts and exports a factory returning a commander
 * Command; to add one, import it above and add it to this list (one line). Expected failures are thrown as
 * CliError (see ./output.ts) or as any Error with an upper-case `code` (StackError, ConfigError, ...): they print
 * one message and exit non-zero, never a stack trace. SAGA_DEBUG=1 prints the trace as well.
 */
const COMMANDS: (() => Command)[] = [
  stackCommand, // saga stack up | down | status | logs
  topicsCommand, // saga topics create | list
  contractsCommand, // saga contracts register | check
  orderCommand, // saga order place | show | list | retry
  tailCommand, // saga tail
  dlqCommand, // saga dlq list | redrive
  demoCommand, // saga demo
  stockCommand, // saga stock set
  benchCommand, // saga bench --rate --duration | --find-max
  auditCommand, // saga audit [--json] [--since <epoch ms>]
];

export function buildProgram(): Command {
  const program = new Command('saga').description(
    'Order saga over Kafka: the local stack, topics, contracts and orders',
  );
  for (const make of COMMANDS) program.addCommand(make());
  // Settings that addCommand does not pass down: usage errors come back here as CommanderError.
  const configure = (cmd: Command): void => {
    cmd.exitOverride().showHelpAfterError('(add --help for usage)');
    cmd.commands.forEach(configure);
  };
  configure(program);
  return program;
}

/** An error the user can act on from its message alone. */
function isExpected(err: unknown): err is Error & { code?: string } {
  if (err instanceof CliError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code);
}

async function main(argv: string[]): Promise<number> {
  // Before any command: the stack's own probes make kafkajs clients too, not only createKafka.
  patchKafkajsRequestQueue();
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode; // commander already printed help or the usage error
    if (isExpected(err)) {
      const code = err instanceof CliError ? '' : ` [${err.code}]`;
      process.stderr.write(`saga: ${err.message}${code}\n`);
      if (process.env.SAGA_DEBUG) process.stderr.write(`${err.stack ?? ''}\n`);
      return err instanceof CliError ? err.exitCode : 1;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv);
