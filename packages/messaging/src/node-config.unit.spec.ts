import { describe, expect, it } from '@jest/globals';
import { ZodError } from 'zod';
import { SERVICES } from '@saga/contracts';
import { DEFAULT_FETCH } from './event-processor.js';
import { loadNodeConfig, NODE_MIN_ROUND_MS } from './node-host.js';

const base = { KAFKA_BROKERS: '127.0.0.1:19092', REDIS_URL: 'redis://127.0.0.1:16379' };

/** The error `fn` throws (the test fails when it throws none). */
function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('node config (loadNodeConfig)', () => {
  it('defaults to all four services in the saga-node group on port 3000', () => {
    const config = loadNodeConfig(base);
    expect(config.name).toBe('saga-node');
    expect(config.services).toEqual(['order', 'payment', 'inventory', 'shipping']);
    expect(config.services).toEqual([...SERVICES]);
    expect(config.groupId).toBe('saga-node');
    expect(config.httpPort).toBe(3000);
    expect(config.httpHost).toBe('127.0.0.1');
    expect(config.timeScale).toBe(1);
    expect(config.fetch).toEqual({ ...DEFAULT_FETCH, minRoundMs: NODE_MIN_ROUND_MS });
    expect(config.connection.kafka.brokers).toEqual(['127.0.0.1:19092']);
  });

  it('treats an empty SAGA_SERVICES like an unset one (all four)', () => {
    expect(loadNodeConfig({ ...base, SAGA_SERVICES: '' }).services).toEqual([...SERVICES]);
  });

  it('runs the subset SAGA_SERVICES names, in its order, spaces trimmed', () => {
    expect(loadNodeConfig({ ...base, SAGA_SERVICES: 'order,payment' }).services).toEqual([
      'order',
      'payment',
    ]);
    expect(loadNodeConfig({ ...base, SAGA_SERVICES: ' shipping , inventory ' }).services).toEqual([
      'shipping',
      'inventory',
    ]);
  });

  it('drops duplicate service names', () => {
    expect(loadNodeConfig({ ...base, SAGA_SERVICES: 'payment,order,payment,order' }).services).toEqual([
      'payment',
      'order',
    ]);
  });

  it('rejects an unknown service with a zod error that points at it and lists the known ones', () => {
    const err = errorOf(() => loadNodeConfig({ ...base, SAGA_SERVICES: 'order,billing' }));
    expect(err).toBeInstanceOf(ZodError);
    const issues = (err as ZodError).issues;
    expect(issues).toHaveLength(1);
    // The variable and the position of the unknown name (zod's enum message does not repeat the value itself).
    expect(issues[0]?.path).toEqual(['SAGA_SERVICES', 1]);
    expect(issues[0]?.code).toBe('invalid_value');
    for (const name of SERVICES) expect(issues[0]?.message).toContain(name);
    expect((err as ZodError).message).toContain('SAGA_SERVICES');
  });

  it('rejects a SAGA_SERVICES that names no service', () => {
    for (const value of [',', ' ', ' , ,']) {
      const err = errorOf(() => loadNodeConfig({ ...base, SAGA_SERVICES: value }));
      expect(err).toBeInstanceOf(ZodError);
      expect((err as ZodError).issues.map((i) => i.message)).toContain('SAGA_SERVICES names no service');
    }
  });

  it('takes SAGA_GROUP_ID, HTTP_PORT and SAGA_MIN_ROUND_MS', () => {
    const config = loadNodeConfig({
      ...base,
      SAGA_GROUP_ID: 'saga-node-blue',
      HTTP_PORT: '0',
      SAGA_MIN_ROUND_MS: '25',
    });
    expect(config.groupId).toBe('saga-node-blue');
    expect(config.httpPort).toBe(0);
    expect(config.fetch.minRoundMs).toBe(25);
    expect(loadNodeConfig({ ...base, SAGA_MIN_ROUND_MS: '0' }).fetch.minRoundMs).toBe(0);
  });

  it('rejects a SAGA_MIN_ROUND_MS that is not a whole number of ms up to 1000', () => {
    for (const value of ['abc', '-1', '1.5', '1001']) {
      expect(() => loadNodeConfig({ ...base, SAGA_MIN_ROUND_MS: value })).toThrow(ZodError);
    }
  });
});
