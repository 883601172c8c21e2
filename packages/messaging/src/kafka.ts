import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { ConnectionConfig } from './connection.js';
import type { Logger } from './logger.js';
import { patchKafkajsEncoder } from './kafkajs-encoder.js';
import { patchKafkajsRequestQueue } from './kafkajs-request-queue.js';

export type { Kafka };

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs logs a rebalance in progress as errors on every heartbeat and fetch; it is routine (an instance joined or
 * left) and kafkajs rejoins by itself, so those lines go to debug instead of drowning real errors.
 */
const ROUTINE =
  /rebalanc|not the correct coordinator|coordinator (is )?(loading|not available)|member id|leader not available/i;

export function levelFor(
  level: number,
  message: string,
  error: unknown,
): 'error' | 'warn' | 'info' | 'debug' {
  const detail = typeof error === 'string' ? error : error instanceof Error ? error.message : '';
  if (ROUTINE.test(detail) || ROUTINE.test(message)) return 'debug';
  return LEVELS[level] ?? 'info';
}

/**
 * Every kafkajs retry (connect, produce, a new producer's InitProducerId, admin calls, the stack's probes): at most 2 s
 * apart, for about a minute. With kafkajs' 30-s cap on the backoff, a producer that began connecting while the broker
 * was down reached it 6–15 s after it was back (measured with a SIGKILLed broker), and two of six chaos runs of the
 * broker crash took 90 s to recover instead of 24. Now sends outlast a restart (~55 s) instead of failing into a
 * consumer restart, and the same scenario recovers in ~15 s.
 */
export const KAFKA_RETRY = { initialRetryTime: 200, maxRetryTime: 2_000, retries: 30 } as const;

/** The only place a kafkajs client is made; its logs go through pino at warn level and above. */
export function createKafka(conn: ConnectionConfig, clientId: string, logger: Logger): Kafka {
  if (!patchKafkajsEncoder())
    logger.warn('kafkajs is not the release its encoder patch was checked on: encoding at full cost');
  // Only silences Node's TimeoutNegativeWarning; the schedule is kafkajs' own.
  patchKafkajsRequestQueue();
  const config: KafkaConfig = {
    clientId,
    brokers: conn.kafka.brokers,
    ssl: conn.kafka.ssl,
    logLevel: logLevel.WARN,
    retry: KAFKA_RETRY,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        logger[levelFor(level, message, extra.error)]({ kafka: extra }, message);
      },
  };
  if (conn.kafka.sasl) config.sasl = conn.kafka.sasl as KafkaConfig['sasl'];
  return new Kafka(config);
}
