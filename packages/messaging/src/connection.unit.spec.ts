// The TLS settings of loadConnectionConfig: CA files become kafkajs' `ssl` and ioredis' `tls` options, and
// contradictory settings are refused instead of silently falling back to plaintext.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ConfigError, loadConnectionConfig } from './connection.js';

const dir = mkdtempSync(join(tmpdir(), 'saga-connection-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const ca = join(dir, 'ca.crt');
writeFileSync(ca, PEM);
const notPem = join(dir, 'not.pem');
writeFileSync(notPem, 'hello\n');

function issuesOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConnectionConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('TLS settings', () => {
  it('plain by default: no TLS for Kafka, none for Redis', () => {
    const conn = loadConnectionConfig({});
    expect(conn.kafka.ssl).toBe(false);
    expect(conn.redis.tls).toBeUndefined();
  });

  it('KAFKA_SSL=true alone: TLS with the default trust store', () => {
    expect(loadConnectionConfig({ KAFKA_SSL: 'true' }).kafka.ssl).toBe(true);
  });

  it('KAFKA_SSL_CA_FILE: TLS trusting exactly that CA (kafkajs ssl.ca)', () => {
    expect(loadConnectionConfig({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: ca }).kafka.ssl).toEqual({
      ca: [PEM],
    });
    expect(loadConnectionConfig({ KAFKA_SSL_CA_FILE: ca }).kafka.ssl).toEqual({ ca: [PEM] });
  });

  it('REDIS_TLS_CA_FILE with a rediss:// URL: ioredis tls.ca', () => {
    const conn = loadConnectionConfig({ REDIS_URL: 'rediss://svc@127.0.0.1:26379', REDIS_TLS_CA_FILE: ca });
    expect(conn.redis.tls).toEqual({ ca: [PEM] });
    expect(conn.redis.url).toMatch(/^rediss:\/\//);
  });

  it('refuses a CA with TLS off (KAFKA_SSL=false, redis:// URL) rather than sending credentials in clear', () => {
    expect(issuesOf({ KAFKA_SSL: 'false', KAFKA_SSL_CA_FILE: ca })).toEqual([
      expect.stringMatching(/KAFKA_SSL_CA_FILE is set but KAFKA_SSL=false/),
    ]);
    expect(issuesOf({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_TLS_CA_FILE: ca })).toEqual([
      expect.stringMatching(/REDIS_URL is not rediss:\/\//),
    ]);
  });

  it('names the variable and path of a missing or non-PEM CA file', () => {
    expect(issuesOf({ KAFKA_SSL_CA_FILE: join(dir, 'missing.crt') })).toEqual([
      expect.stringMatching(/^KAFKA_SSL_CA_FILE: cannot read .*missing\.crt \(ENOENT\)$/),
    ]);
    expect(issuesOf({ REDIS_URL: 'rediss://h:1', REDIS_TLS_CA_FILE: notPem })).toEqual([
      expect.stringMatching(/^REDIS_TLS_CA_FILE: .*not\.pem holds no PEM certificate$/),
    ]);
  });
});

describe('REDIS_URL', () => {
  it('a unix:// URL becomes the socket path ioredis takes, credentials as its query', () => {
    expect(loadConnectionConfig({ REDIS_URL: 'unix:///run/redis/redis.sock' }).redis.url).toBe(
      '/run/redis/redis.sock',
    );
    const withUser = loadConnectionConfig({
      REDIS_URL: 'unix:///run/redis/redis.sock',
      REDIS_USERNAME: 'svc-order',
      REDIS_PASSWORD_FILE: ca,
    }).redis.url;
    const [path, query] = withUser.split('?');
    expect(path).toBe('/run/redis/redis.sock');
    expect(Object.fromEntries(new URLSearchParams(query))).toEqual({
      username: 'svc-order',
      password: PEM.trim(),
    });
  });

  it('keeps redis:// and rediss:// URLs, with the credentials put in', () => {
    expect(loadConnectionConfig({ REDIS_URL: 'redis://10.0.0.5:6379/2' }).redis.url).toBe(
      'redis://10.0.0.5:6379/2',
    );
    expect(loadConnectionConfig({ REDIS_URL: 'rediss://h:1', REDIS_USERNAME: 'svc' }).redis.url).toBe(
      'rediss://svc@h:1',
    );
  });

  it('refuses other schemes, bare paths, and a unix URL with a host or a query', () => {
    for (const url of [
      'http://h:6379',
      '/run/redis/redis.sock',
      'unix://host/run/redis.sock',
      'unix:///r.sock?db=1',
    ]) {
      expect(issuesOf({ REDIS_URL: url })).toEqual([expect.stringMatching(/^REDIS_URL: .*unix:\/\/\//)]);
    }
  });
});
