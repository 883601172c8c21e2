import { Writable } from 'node:stream';
import { createLogger, lazyChild } from './logger.js';
import { loadConnectionConfig } from './connection.js';

describe('logger redaction', () => {
  it('never writes a password, SASL block or Redis URL, however deep the config sits', () => {
    const canary = 'canary-s3cret-7f3a';
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const log = createLogger('test', 'info', sink);
    const conn = loadConnectionConfig({
      REDIS_URL: `redis://svc:${canary}@127.0.0.1:16379`,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD: canary,
      SCHEMA_REGISTRY_PASSWORD: canary,
      SCHEMA_REGISTRY_USERNAME: 'svc',
    });
    log.info({ conn }, 'config');
    log.info({ config: { connection: conn } }, 'nested config');
    log.info({ env: { REDIS_URL: `redis://x:${canary}@h`, KAFKA_SASL_PASSWORD: canary } }, 'env');
    expect(out).toContain('nested config');
    expect(out).not.toContain(canary);
  });
});

describe('lazyChild', () => {
  it('makes no child until something logs, then logs with the bindings (redacted like any child)', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const parent = createLogger('test', 'warn', sink);
    let children = 0;
    const child = parent.child.bind(parent);
    parent.child = ((...args: Parameters<typeof parent.child>) => {
      children++;
      return child(...args);
    }) as typeof parent.child;
    const quiet = lazyChild(parent, { orderId: 'o-1' });
    quiet.debug({ op: 'authorize' }, 'below the level');
    quiet.info('below the level');
    expect(children).toBe(0);
    const log = lazyChild(parent, { orderId: 'o-2', password: 'hunter2' });
    log.warn({ attempt: 2 }, 'retry scheduled');
    log.info('below the level');
    expect(children).toBe(1);
    expect(quiet.level).toBe('warn');
    expect(children).toBe(2);
    const line = JSON.parse(out.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({
      orderId: 'o-2',
      attempt: 2,
      msg: 'retry scheduled',
      password: '[redacted]',
    });
    expect(out).not.toContain('below the level');
  });
});
