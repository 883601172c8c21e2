import { deadLetterTopic, type ServiceName } from '@saga/contracts';
import type { ErrorInfo } from './errors.js';
import type { OutboundRecord } from './publisher.js';
import type { RawRecord } from './retry-store.js';

export const DeadLetterHeaders = {
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  errorCode: 'dlq-error-code',
  errorMessage: 'dlq-error-message',
  service: 'dlq-service',
  failedAt: 'dlq-failed-at',
} as const;

/** The original bytes and key, untouched, plus why and where they failed, so a redrive can put them back. */
export function deadLetterRecord(
  service: ServiceName,
  raw: RawRecord,
  error: ErrorInfo,
  now: number,
): OutboundRecord {
  return {
    topic: deadLetterTopic(service),
    key: raw.key,
    value: Buffer.from(raw.value, 'base64'),
    headers: {
      ...raw.headers,
      [DeadLetterHeaders.originalTopic]: raw.topic,
      [DeadLetterHeaders.originalPartition]: String(raw.partition),
      [DeadLetterHeaders.originalOffset]: raw.offset,
      [DeadLetterHeaders.errorCode]: error.code,
      [DeadLetterHeaders.errorMessage]: error.message.slice(0, 1000),
      [DeadLetterHeaders.service]: service,
      [DeadLetterHeaders.failedAt]: new Date(now).toISOString(),
    },
  };
}
