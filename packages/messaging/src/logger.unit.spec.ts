import { Writable } from 'node:stream';
import { createLogger } from './logger.js';
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
