import { Command } from 'commander';
import { allTopics, TOPIC_PARTITIONS } from '@saga/contracts';
import { createKafka, createLogger, ensureTopics, loadConnectionConfig } from '@saga/messaging';

export function topicsCommand(): Command {
  const topics = new Command('topics').description(
    'the saga topics (the broker never creates them on its own)',
  );
  topics
    .command('create')
    .description(`create every event and dead-letter topic with ${TOPIC_PARTITIONS} partitions (idempotent)`)
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const conn = loadConnectionConfig();
      const kafka = createKafka(conn, 'saga-cli', createLogger('saga-cli', 'error'));
      const created = await ensureTopics(kafka);
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
