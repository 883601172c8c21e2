// What the secured mode writes: broker properties, the Redis ACL file, the client environment. Uses a throwaway
// stack dir for the secret files.
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { loadStackConfig, readSecret, secretFiles, stackRotate, stackUp, StackError } from '@saga/stack';
import { stackLayout } from '../../packages/stack/src/layout.js';
import { kafkaProperties, redisLaunch } from '../../packages/stack/src/parts.js';
import {
  ensureSecrets,
  ensureStackTls,
  registrySecureProperties,
  principalEnv,
  redisAclFile,
  scramFormatArgs,
  secureKafkaProperties,
} from '../../packages/stack/src/secure.js';

const config = loadStackConfig({ SAGA_STACK_DIR: mkdtempSync(join(tmpdir(), 'saga-secure-unit-')) });
const files = ensureSecrets(config);
const tempDirs = [config.stackDir];
afterAll(() => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('secrets', () => {
  it('are random, one per principal and system, owner-only, and kept across calls', () => {
    const first = readSecret(files.kafka('order'));
    expect(first).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(readSecret(files.kafka('payment'))).not.toBe(first);
    expect(readSecret(files.redis('order'))).not.toBe(first);
    expect(statSync(files.kafka('order')).mode & 0o777).toBe(0o600);
    expect(statSync(files.dir).mode & 0o777).toBe(0o700);
    ensureSecrets(config);
    expect(readSecret(files.kafka('order'))).toBe(first);
  });
});

describe('broker properties', () => {
  const props = kafkaProperties({
    port: 29092,
    controllerPort: 29093,
    logDir: '/tmp/x',
    overrides: secureKafkaProperties({ port: 29092, controllerPort: 29093 }, files),
  });
  const get = (key: string) => new RegExp(`^${key.replace(/\./g, '\\.')}=(.*)$`, 'm').exec(props)?.[1];

  it('replace the plaintext listener with SASL over TLS and turn the authorizer on, deny by default', () => {
    expect(get('listeners')).toBe('SASL_SSL://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093');
    expect(get('advertised.listeners')).toBe('SASL_SSL://127.0.0.1:29092');
    expect(get('listener.security.protocol.map')).toBe('SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT');
    expect(get('inter.broker.listener.name')).toBe('SASL_SSL');
    expect(get('ssl.keystore.type')).toBe('PEM');
    expect(get('ssl.keystore.location')).toBe(files.tls.serverKeystore);
    expect(get('ssl.truststore.type')).toBe('PEM');
    expect(get('ssl.truststore.location')).toBe(files.tls.caCert);
    expect(props).not.toMatch(/PLAINTEXT:\/\//);
    expect(get('sasl.enabled.mechanisms')).toBe('SCRAM-SHA-512');
    expect(get('authorizer.class.name')).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(get('allow.everyone.if.no.acl.found')).toBe('false');
    expect(get('super.users')).toBe('User:admin;User:controller');
    expect(get('auto.create.topics.enable')).toBe('false');
    expect(get('message.max.bytes')).toBe('1048576');
    expect(props.match(/^listeners=/gm)).toHaveLength(1);
  });

  it('format creates a SCRAM-SHA-512 user per principal', () => {
    const args = scramFormatArgs(files);
    const names = args.filter((a) => a.startsWith('SCRAM')).map((a) => /name=([^,]+)/.exec(a)?.[1]);
    expect(names).toEqual(['admin', 'order', 'payment', 'inventory', 'shipping', 'registry', 'cli']);
  });
});

describe('TLS material', () => {
  const tls = ensureStackTls(config);

  it('a CA and a server certificate for 127.0.0.1 and localhost; keys owner-only, the CA key gone', () => {
    const cert = new X509Certificate(readFileSync(tls.serverCert));
    const ca = new X509Certificate(readFileSync(tls.caCert));
    expect(cert.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    for (const f of [tls.serverKey, tls.serverKeystore]) expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(statSync(tls.dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(tls.dir).sort()).toEqual([
      'ca.crt',
      'server-keystore.pem',
      'server.crt',
      'server.key',
    ]);
    // Kafka's PEM keystore: the unencrypted PKCS#8 key, then the chain (server, CA).
    const keystore = readFileSync(tls.serverKeystore, 'utf8');
    expect(keystore.match(/-----BEGIN [A-Z ]+-----/g)).toEqual([
      '-----BEGIN PRIVATE KEY-----',
      '-----BEGIN CERTIFICATE-----',
      '-----BEGIN CERTIFICATE-----',
    ]);
  });

  it('is kept across starts (clients hold the CA file)', () => {
    const before = readFileSync(tls.caCert, 'utf8');
    ensureStackTls(config);
    expect(readFileSync(tls.caCert, 'utf8')).toBe(before);
  });

  it('the Redis launch is TLS-only; plain mode keeps the plain port', () => {
    const layout = stackLayout(config);
    const secured = redisLaunch(config, layout, '/usr/bin/redis-server', '/x.acl', tls).args.join(' ');
    expect(secured).toContain(`--port 0 --tls-port ${config.redis.port}`);
    expect(secured).toContain(`--tls-cert-file ${tls.serverCert} --tls-key-file ${tls.serverKey}`);
    expect(secured).toContain('--tls-auth-clients no');
    const plain = redisLaunch(config, layout, '/usr/bin/redis-server').args.join(' ');
    expect(plain).toMatch(new RegExp(`^--port ${config.redis.port} `));
    expect(plain).not.toContain('tls');
  });

  it('the registry reaches Kafka over SASL_SSL trusting the stack CA', () => {
    const props = registrySecureProperties(files);
    expect(props).toContain('apicurio.kafka.common.security.protocol=SASL_SSL\n');
    expect(props).toContain('apicurio.kafka.common.ssl.truststore.type=PEM\n');
    expect(props).toContain(`apicurio.kafka.common.ssl.truststore.location=${tls.caCert}\n`);
  });
});

describe('Redis ACL file', () => {
  const acl = redisAclFile(files);

  it('disables default, limits each service to its prefixes, holds hashes not passwords', () => {
    expect(acl.split('\n')[0]).toBe('user default off resetkeys resetchannels -@all');
    expect(acl).toMatch(/^user order on #[0-9a-f]{64} resetkeys ~ord:\* ~\{retry:order\}:\* /m);
    expect(acl).toMatch(
      /^user shipping on #[0-9a-f]{64} resetkeys ~ship:\* ~carrier:\* ~\{retry:shipping\}:\* /m,
    );
    expect(acl).toMatch(/^user cli on #[0-9a-f]{64} resetkeys ~\* .*\+@all$/m);
    expect(acl).not.toMatch(/^user registry/m);
    for (const p of ['admin', 'order', 'payment', 'inventory', 'shipping', 'cli'] as const)
      expect(acl).not.toContain(readSecret(secretFiles(config).redis(p)));
  });
});

describe('client environment', () => {
  it('names password files, never values', () => {
    const env = principalEnv(config, 'order');
    expect(env.KAFKA_SASL_USERNAME).toBe('order');
    expect(env.KAFKA_SASL_PASSWORD_FILE).toBe(files.kafka('order'));
    expect(env.REDIS_PASSWORD_FILE).toBe(files.redis('order'));
    expect(env.REDIS_URL).toBe('rediss://order@127.0.0.1:16379');
    expect(env).toMatchObject({
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: files.tls.caCert,
      REDIS_TLS_CA_FILE: files.tls.caCert,
    });
    const all = JSON.stringify(env);
    expect(all).not.toContain(readSecret(files.kafka('order')));
    expect(all).not.toContain(readSecret(files.redis('order')));
    expect(principalEnv(config, 'registry').REDIS_URL).toBeUndefined();
  });
});

describe('mode', () => {
  it('--secure on a stack dir formatted plain is refused before anything starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saga-secure-unit-plain-'));
    tempDirs.push(dir);
    mkdirSync(join(dir, 'data', 'kafka'), { recursive: true });
    writeFileSync(join(dir, 'data', 'kafka', 'meta.properties'), 'cluster.id=abc\nnode.id=1\n');
    const err = await stackUp({ env: { ...process.env, SAGA_STACK_DIR: dir }, secure: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StackError);
    expect((err as StackError).code).toBe('STACK_MODE_MISMATCH');
  });

  it('rotate refuses a plain stack dir (NOT_SECURED) and an unknown principal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saga-secure-unit-rotate-'));
    tempDirs.push(dir);
    const env = { ...process.env, SAGA_STACK_DIR: dir };
    expect(await stackRotate('order', { env }).catch((e: unknown) => (e as StackError).code)).toBe(
      'NOT_SECURED',
    );
    expect(await stackRotate('root', { env }).catch((e: unknown) => (e as StackError).code)).toBe(
      'UNKNOWN_PART',
    );
  });
});
