import { Command } from 'commander';
import {
  DEFAULT_COMPATIBILITY,
  checkAll,
  createSerde,
  loadEventSchemas,
  RegistryClient,
  SCHEMA_DIR,
  SerdeError,
  subjectFor,
} from '@saga/contracts';
import { loadConnectionConfig } from '@saga/messaging';
import { fail } from '../output.js';

interface Opts {
  json?: boolean;
  schemas: string;
  subjectPrefix: string;
}

/** Registry failures become one readable line (and exit 1), not a stack trace. */
async function friendly<T>(url: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SerdeError) {
      const hint = err.retriable ? ' Is the stack up? (npx saga stack up)' : '';
      fail(`schema registry at ${url}: ${err.code}: ${err.message}.${hint}`);
    }
    throw err;
  }
}

export function contractsCommand(): Command {
  const contracts = new Command('contracts').description('the Avro event contracts in the schema registry');
  const common = (cmd: Command) =>
    cmd
      .option('--json', 'machine-readable output')
      .option('--schemas <dir>', 'directory of .avsc files (shared types in <dir>/common)', SCHEMA_DIR)
      .option(
        '--subject-prefix <prefix>',
        'prefix for every subject (isolates tests on a shared registry)',
        '',
      );

  common(contracts.command('register'))
    .description(
      `register every event schema (idempotent) and set ${DEFAULT_COMPATIBILITY} compatibility per subject`,
    )
    .action(async (opts: Opts) => {
      const registry = loadConnectionConfig().schemaRegistry;
      const schemas = loadEventSchemas(opts.schemas);
      const serde = createSerde({
        ...registry,
        schemas,
        subjectPrefix: opts.subjectPrefix,
        autoRegister: false,
      });
      await friendly(registry.url, () => serde.register());
      const subjects = [...schemas.keys()].map((t) => subjectFor(t, opts.subjectPrefix));
      if (opts.json) console.log(JSON.stringify({ registered: subjects }));
      else console.log(`registered ${subjects.length} subjects (compatibility ${DEFAULT_COMPATIBILITY})`);
    });

  common(contracts.command('check'))
    .description('ask the registry whether the working-tree schemas are compatible with the latest versions')
    .action(async (opts: Opts) => {
      const registry = loadConnectionConfig().schemaRegistry;
      const client = new RegistryClient(registry);
      const schemas = loadEventSchemas(opts.schemas);
      const results = await friendly(registry.url, () => checkAll(client, schemas, opts.subjectPrefix));
      if (opts.json) console.log(JSON.stringify(results));
      else
        for (const r of results) {
          const detail = r.messages.length ? `  ${r.messages.join('; ')}` : '';
          console.log(`${r.status.toUpperCase().padEnd(12)} ${r.subject}${detail}`);
        }
      if (results.some((r) => r.status === 'incompatible')) process.exitCode = 1;
    });
  return contracts;
}
