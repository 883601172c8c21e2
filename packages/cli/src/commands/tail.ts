import { Command, InvalidArgumentError } from 'commander';
import { allTopics, isSerdeError, SERVICES, deadLetterTopic, type Serde } from '@saga/contracts';
import { Headers, loadConnectionConfig, type ReadRecord } from '@saga/messaging';
import { fail } from '../output.js';
import { deadLetterInfo, eventSummary, tailLine, type TailView } from '../format-record.js';
import { pause, readingSerde, withEventClient } from '../order-io.js';

const DLQ_TOPICS = new Set(SERVICES.map(deadLetterTopic));

interface TailFlags {
  topic: string[];
  order?: string;
  fromBeginning?: boolean;
  json?: boolean;
  max?: number;
  idleExit?: number;
  raw?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  if (!allTopics().includes(value))
    throw new InvalidArgumentError(`unknown topic; one of ${allTopics().join(', ')}.`);
  return [...previous, value];
}

function positive(label: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${label} must be a number > 0.`);
    return n;
  };
}

/**
 * One record as a view: decoded by its schema id when it decodes; an undecodable one (poison, or a dead letter of
 * poison) is shown with its error code instead, so one bad record never stops the tail.
 */
export async function viewOf(
  serde: Serde,
  r: ReadRecord,
  raw = false,
): Promise<TailView & { dlq?: ReturnType<typeof deadLetterInfo>; undecodable?: string; schemaId?: number }> {
  const base = {
    timestamp: r.timestamp,
    topic: r.topic,
    orderId: r.key ?? r.headers[Headers.orderId] ?? '-',
    eventId: r.headers[Headers.eventId] ?? '',
  };
  const dlq = DLQ_TOPICS.has(r.topic) ? deadLetterInfo(r.headers) : undefined;
  const dlqText = dlq
    ? `  [dead letter from ${dlq.originalTopic}:${dlq.originalPartition ?? '?'}:${dlq.originalOffset}: ${dlq.errorCode}: ${dlq.errorMessage}]`
    : '';
  try {
    if (raw) {
      // Exactly what was sent, read with the writer's own schema (no resolution to ours), token redacted.
      const d = await serde.decodeRaw(r.bytes);
      const meta = (d.value.metadata ?? {}) as { orderId?: string; eventId?: string };
      const value = 'paymentToken' in d.value ? { ...d.value, paymentToken: '[redacted]' } : d.value;
      return {
        ...base,
        type: d.recordName.split('.').pop() ?? d.recordName,
        orderId: meta.orderId ?? base.orderId,
        eventId: meta.eventId ?? base.eventId,
        summary: `schema ${d.schemaId} ${JSON.stringify(value)}${dlqText}`,
        schemaId: d.schemaId,
        ...(dlq ? { dlq } : {}),
      };
    }
    const event = await serde.decode(r.bytes);
    return {
      ...base,
      type: event.type,
      orderId: event.metadata.orderId,
      eventId: event.metadata.eventId,
      summary: eventSummary(event) + dlqText,
      ...(dlq ? { dlq } : {}),
    };
  } catch (err) {
    const code = isSerdeError(err) ? err.code : ((err as { code?: string }).code ?? 'DECODE_FAILED');
    return {
      ...base,
      type: dlq ? 'dead-letter' : 'undecodable',
      summary: `undecodable: ${code}${dlqText}`,
      undecodable: code,
      ...(dlq ? { dlq } : {}),
    };
  }
}

export function tailCommand(): Command {
  return new Command('tail')
    .description('follow saga topics live, one decoded line per record, until Ctrl-C')
    .option(
      '--topic <topic>',
      'a topic to follow (repeatable; default every event and dead-letter topic)',
      collect,
      [],
    )
    .option('--order <id>', 'only records of this order')
    .option('--from-beginning', 'start at the oldest record instead of now')
    .option('--json', 'one JSON object per line')
    .option('--raw', 'exact view: every field as written, decoded with the writer schema (token redacted)')
    .option('--max <n>', 'stop after printing this many records', positive('--max'))
    .option(
      '--idle-exit <s>',
      'stop after this many seconds without a matching record',
      positive('--idle-exit'),
    )
    .action(async (flags: TailFlags) => {
      const topics = flags.topic.length > 0 ? flags.topic : allTopics();
      const serde = readingSerde(loadConnectionConfig());
      const done = new AbortController();
      let printed = 0;
      let lastSeen = Date.now();
      // Records arrive per partition concurrently; decoding is async, so a chain keeps printing in arrival order.
      let chain = Promise.resolve();
      const onRecord = (r: ReadRecord): Promise<void> => {
        chain = chain.then(async () => {
          if (done.signal.aborted) return;
          const view = await viewOf(serde, r, flags.raw);
          if (flags.order && view.orderId !== flags.order) return;
          lastSeen = Date.now();
          console.log(flags.json ? JSON.stringify(view) : tailLine(view));
          printed++;
          if (flags.max !== undefined && printed >= flags.max) done.abort();
        });
        return chain;
      };
      const onSigint = () => done.abort();
      process.once('SIGINT', onSigint);
      process.once('SIGTERM', onSigint);
      try {
        await withEventClient(async (client) => {
          let stop: () => Promise<void>;
          try {
            stop = await client.tail({ topics, fromBeginning: flags.fromBeginning, onRecord });
          } catch (err) {
            fail(`cannot follow ${topics.join(', ')}: ${(err as Error).message}`);
          }
          process.stderr.write(`following ${topics.join(', ')} (Ctrl-C to stop)\n`);
          while (!done.signal.aborted) {
            if (flags.idleExit !== undefined && Date.now() - lastSeen >= flags.idleExit * 1000) break;
            await pause(200, done.signal);
          }
          await stop();
        });
      } finally {
        process.removeListener('SIGINT', onSigint);
        process.removeListener('SIGTERM', onSigint);
      }
    });
}
