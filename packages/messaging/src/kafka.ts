import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { ConnectionConfig } from './connection.js';
import type { Logger } from './logger.js';

export type { Kafka };

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** The only place a kafkajs client is made; its logs go through pino at warn level and above. */
export function createKafka(conn: ConnectionConfig, clientId: string, logger: Logger): Kafka {
  const config: KafkaConfig = {
    clientId,
    brokers: conn.kafka.brokers,
    ssl: conn.kafka.ssl,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 8 },
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        logger[LEVELS[level] ?? 'info']({ kafka: extra }, message);
      },
  };
  if (conn.kafka.sasl) config.sasl = conn.kafka.sasl as KafkaConfig['sasl'];
  return new Kafka(config);
}
