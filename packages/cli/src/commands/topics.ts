import { Command, InvalidArgumentError } from 'commander';
import { allTopics, TOPIC_PARTITIONS } from '@saga/contracts';
import { createKafka, createLogger, ensureTopics, loadConnectionConfig } from '@saga/messaging';

function parsePartitions(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new InvalidArgumentError('must be a whole number from 1 to 1000.');
  return n;
}

export function topicsCommand(): Command {
  const topics = new Command('topics').description(
    'the saga topics (the broker never creates them on its own)',
  );
  topics
    .command('create')
    .description(`create every event and dead-letter topic with ${TOPIC_PARTITIONS} partitions (idempotent)`)
    .option('--partitions <n>', `partitions per new topic (default ${TOPIC_PARTITIONS})`, parsePartitions)
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean; partitions?: number }) => {
      const conn = loadConnectionConfig();
      const kafka = createKafka(conn, 'saga-cli', createLogger('saga-cli', 'error'));
      const created = await ensureTopics(kafka, allTopics(), opts.partitions ?? TOPIC_PARTITIONS);
      if (opts.json) console.log(JSON.stringify({ created, topics: allTopics() }));
      else
        console.log(
          created.length ? `created: ${created.join(', ')}` : `all ${allTopics().length} topics exist`,
        );
    });
  topics
    .command('list')
    .description('the topics this project uses')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      console.log(opts.json ? JSON.stringify(allTopics()) : allTopics().join('\n'));
    });
  return topics;
}
