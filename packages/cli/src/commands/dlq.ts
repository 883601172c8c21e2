import { Command, InvalidArgumentError } from 'commander';
import { allTopics, deadLetterTopic, SERVICES, type ServiceName } from '@saga/contracts';
import type { EventClient, ReadRecord } from '@saga/messaging';
import { fail } from '../output.js';
import {
  dlqLine,
  deadLetterInfo,
  MAX_REDRIVES,
  parseRecordId,
  planRedrive,
  recordId,
  redriveHeaders,
  REDRIVEN_SET_KEY,
  type DeadLetterInfo,
} from '../format-record.js';
import { withEventClient, withRedis } from '../order-io.js';

/** Exit codes: 3 = nothing to do (all already redriven or refused), 4 = no such DLQ record. */
const EXIT_NOTHING = 3;
const EXIT_NOT_FOUND = 4;

function parseService(value: string): ServiceName {
  if (!(SERVICES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`must be one of ${SERVICES.join(', ')}.`);
  return value as ServiceName;
}

function parseId(value: string): string {
  if (!parseRecordId(value))
    throw new InvalidArgumentError('must be <topic>:<partition>:<offset>, e.g. dlq.order:3:17.');
  return value.trim();
}

interface DeadLetter {
  id: string;
  info: DeadLetterInfo;
  record: ReadRecord;
}

async function readDeadLetters(client: EventClient, service: ServiceName | undefined): Promise<DeadLetter[]> {
  const topics = (service ? [service] : [...SERVICES]).map(deadLetterTopic);
  const records = await client.readAll(topics);
  return records
    .map((record) => ({ id: recordId(record), info: deadLetterInfo(record.headers), record }))
    .sort((a, b) => a.record.timestamp - b.record.timestamp);
}

function listCommand(): Command {
  return new Command('list')
    .description('dead letters: where they came from, why they failed, how often they were redriven')
    .option('--service <service>', `only this service's DLQ (${SERVICES.join(', ')})`, parseService)
    .option('--json', 'machine-readable output')
    .action(async (opts: { service?: ServiceName; json?: boolean }) => {
      const letters = await withEventClient((client) => readDeadLetters(client, opts.service));
      const redriven = new Set(await withRedis((redis) => redis.smembers(REDRIVEN_SET_KEY)));
      if (opts.json) {
        console.log(
          JSON.stringify(
            letters.map((l) => ({ id: l.id, key: l.record.key, ...l.info, redriven: redriven.has(l.id) })),
          ),
        );
      } else if (letters.length === 0) console.log('no dead letters');
      else console.log(letters.map((l) => dlqLine(l.id, l.info, redriven.has(l.id))).join('\n'));
    });
}

interface RedriveFlags {
  service?: ServiceName;
  id?: string;
  dryRun?: boolean;
  json?: boolean;
}

function redriveCommand(): Command {
  return new Command('redrive')
    .description(
      `publish dead letters' original bytes back to their original topic (each DLQ record at most once; refused after ${MAX_REDRIVES} redrives)`,
    )
    .option('--service <service>', `only this service's DLQ (${SERVICES.join(', ')})`, parseService)
    .option('--id <topic:partition:offset>', 'only this DLQ record (as printed by dlq list)', parseId)
    .option('--dry-run', 'say what would be redriven, publish nothing')
    .option('--json', 'machine-readable output')
    .action(async (flags: RedriveFlags) => {
      await withRedis((redis) =>
        withEventClient(async (client) => {
          let letters = await readDeadLetters(client, flags.service);
          if (flags.id) {
            letters = letters.filter((l) => l.id === flags.id);
            if (letters.length === 0) fail(`no dead letter ${flags.id}`, EXIT_NOT_FOUND);
          }
          const redriven = new Set(await redis.smembers(REDRIVEN_SET_KEY));
          const plan = planRedrive(letters, redriven);
          const sent: string[] = [];
          const lines: string[] = [];
          for (const l of plan.done) lines.push(`skip ${l.id}: already redriven`);
          for (const l of plan.refused)
            lines.push(
              `refuse ${l.id}: redriven ${l.info.redriveCount} times already (limit ${MAX_REDRIVES}); fix the cause`,
            );
          for (const l of plan.redrive) {
            const to = l.info.originalTopic;
            if (!allTopics().includes(to)) {
              lines.push(`refuse ${l.id}: original topic ${to} is not a saga topic`);
              continue;
            }
            if (flags.dryRun) {
              lines.push(`would redrive ${l.id} -> ${to} (redrive ${l.info.redriveCount + 1})`);
              continue;
            }
            // Claim first: two concurrent runs cannot both publish the same record (SADD answers 1 only once).
            if ((await redis.sadd(REDRIVEN_SET_KEY, l.id)) === 0) {
              lines.push(`skip ${l.id}: already redriven`);
              continue;
            }
            try {
              await client.publishRaw([
                {
                  topic: to,
                  key: l.record.key,
                  value: l.record.bytes,
                  headers: redriveHeaders(l.record.headers),
                },
              ]);
            } catch (err) {
              await redis.srem(REDRIVEN_SET_KEY, l.id); // not published: let a later run try again
              throw err;
            }
            sent.push(l.id);
            lines.push(`redrove ${l.id} -> ${to} (redrive ${l.info.redriveCount + 1})`);
          }
          if (flags.json) {
            console.log(
              JSON.stringify({
                redriven: sent,
                wouldRedrive: flags.dryRun ? plan.redrive.map((l) => l.id) : [],
                alreadyRedriven: plan.done.map((l) => l.id),
                refused: plan.refused.map((l) => l.id),
              }),
            );
          } else console.log(lines.length ? lines.join('\n') : 'no dead letters');
          if (!flags.dryRun && sent.length === 0 && letters.length > 0) process.exitCode = EXIT_NOTHING;
        }),
      );
    });
}

export function dlqCommand(): Command {
  const dlq = new Command('dlq').description('dead-letter topics: list and redrive');
  dlq.addCommand(listCommand());
  dlq.addCommand(redriveCommand());
  return dlq;
}
