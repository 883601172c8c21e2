import { describe, expect, it } from '@jest/globals';
import { DEFAULT_FETCH } from './event-processor.js';
import { DEFAULT_RETENTION_S, loadServiceConfig } from './service-host.js';

const base = { KAFKA_BROKERS: '127.0.0.1:19092', REDIS_URL: 'redis://127.0.0.1:16379' };

describe('service config: fetch tuning', () => {
  it('defaults to answering at the first byte and holding a busy round 10 ms', () => {
    expect(loadServiceConfig('payment', base).fetch).toEqual(DEFAULT_FETCH);
    expect(DEFAULT_FETCH).toEqual({ minBytes: 1, maxWaitMs: 50, minRoundMs: 10 });
  });

  it('takes SAGA_FETCH_MIN_BYTES, SAGA_FETCH_MAX_WAIT_MS and SAGA_MIN_ROUND_MS', () => {
    const config = loadServiceConfig('payment', {
      ...base,
      SAGA_FETCH_MIN_BYTES: '65536',
      SAGA_FETCH_MAX_WAIT_MS: '10',
      SAGA_MIN_ROUND_MS: '0',
    });
    expect(config.fetch).toEqual({ minBytes: 65_536, maxWaitMs: 10, minRoundMs: 0 });
  });

  it('keeps saga state 7 days by default; SAGA_RETENTION_S sets it, 0 keeps it forever, a negative is refused', () => {
    expect(DEFAULT_RETENTION_S).toBe(604_800);
    expect(loadServiceConfig('payment', base).retentionMs).toBe(604_800_000);
    expect(loadServiceConfig('payment', { ...base, SAGA_RETENTION_S: '86400' }).retentionMs).toBe(86_400_000);
    expect(loadServiceConfig('payment', { ...base, SAGA_RETENTION_S: '0' }).retentionMs).toBe(0);
    expect(() => loadServiceConfig('payment', { ...base, SAGA_RETENTION_S: '-1' })).toThrow();
    expect(() => loadServiceConfig('payment', { ...base, SAGA_RETENTION_S: '1.5' })).toThrow();
  });

  it('rejects a wait of zero or a minimum over 1 MiB', () => {
    expect(() => loadServiceConfig('payment', { ...base, SAGA_FETCH_MAX_WAIT_MS: '0' })).toThrow();
    expect(() => loadServiceConfig('payment', { ...base, SAGA_FETCH_MIN_BYTES: '2000000' })).toThrow();
  });
});
