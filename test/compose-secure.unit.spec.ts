/**
 * Structure test for the secured compose override (docker-compose.secure.yml). Nothing here runs a container (the
 * build machine has none); it checks what would otherwise fail only at deploy time: the ACL job grants exactly
 * aclPlan(), no listener is plaintext, every service gets the secret files its *_FILE variables name, the secrets
 * are the files scripts/compose-secrets.mjs writes, and no password sits in the YAML.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { loadConnectionConfig } from '@saga/messaging';
import {
  aclPlan,
  composeAclTable,
  COMPOSE_SECRETS_MOUNT,
  PRINCIPALS,
  SERVICE_PRINCIPALS,
  writeComposeSecrets,
} from '@saga/stack';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

interface Service {
  image?: string;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  secrets?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  healthcheck?: { test: string[] };
}
interface Compose {
  services: Record<string, Service>;
  secrets?: Record<string, { file: string }>;
}

const yamlText = read('docker-compose.secure.yml');
const secure = parse(yamlText, { merge: true }) as Compose;
const base = parse(read('docker-compose.yml'), { merge: true }) as Compose;
const serverProperties = read('docker/secure/server.properties');
const kafkaStart = read('docker/secure/kafka-start.sh');

/** Compose's merge of the override into the base for one service: environment and depends_on merge by key. */
function merged(name: string): Service {
  const b = base.services[name] ?? {};
  const o = secure.services[name] ?? {};
  return {
    ...b,
    ...o,
    environment: { ...(b.environment ?? {}), ...(o.environment ?? {}) },
    depends_on: { ...(b.depends_on ?? {}), ...(o.depends_on ?? {}) },
  };
}

function prop(key: string): string | undefined {
  return new RegExp(`^${key.replace(/\./g, '\\.')}=(.*)$`, 'm').exec(serverProperties)?.[1];
}

const secretsDir = mkdtempSync(join(tmpdir(), 'saga-compose-secrets-'));
afterAll(() => rmSync(secretsDir, { recursive: true, force: true }));
const generated = writeComposeSecrets(secretsDir);

describe('docker-compose.secure.yml', () => {
  it('overrides only services of docker-compose.yml, plus the ACL job', () => {
    const added = Object.keys(secure.services).filter((s) => !(s in base.services));
    expect(added).toEqual(['kafka-acls']);
  });

  it('the ACL job grants exactly aclPlan() (docker/secure/acls.tsv is up to date)', () => {
    const table = read('docker/secure/acls.tsv');
    expect(table).toBe(composeAclTable());
    const rows = table
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => {
        const [principal, resource, name, pattern, op] = l.split('\t');
        return { principal, resource, name, pattern, op };
      });
    expect(rows).toEqual(aclPlan());
    const job = merged('kafka-acls');
    expect(job.image).toBe(base.services['kafka']?.image);
    expect(job.volumes).toContain('./docker/secure/acls.tsv:/opt/saga/acls.tsv:ro');
    expect(job.entrypoint).toEqual(['/bin/sh', '/opt/saga/kafka-acls.sh']);
    // The registry and init start only after the grants exist (the registry's kafkasql client needs them at once).
    for (const s of ['schema-registry', 'init'])
      expect(merged(s).depends_on?.['kafka-acls']).toEqual({ condition: 'service_completed_successfully' });
  });

  it('Kafka has no plaintext listener: SASL over TLS everywhere, deny by default, no auto-created topics', () => {
    const map: Record<string, string> = Object.fromEntries(
      (prop('listener.security.protocol.map') ?? '').split(',').map((e): [string, string] => {
        const [name = '', protocol = ''] = e.split(':');
        return [name, protocol];
      }),
    );
    expect(Object.values(map)).toEqual(['SASL_SSL', 'SASL_SSL', 'SASL_SSL']);
    for (const listener of (prop('listeners') ?? '').split(',')) {
      expect(map[listener.split(':')[0] ?? '']).toBe('SASL_SSL');
    }
    expect(serverProperties).not.toMatch(/PLAINTEXT/);
    expect(prop('sasl.enabled.mechanisms')).toBe('SCRAM-SHA-512');
    expect(prop('allow.everyone.if.no.acl.found')).toBe('false');
    expect(prop('auto.create.topics.enable')).toBe('false');
    expect(prop('super.users')).toBe('User:admin;User:controller');
    expect(prop('ssl.keystore.location')).toBe(`${COMPOSE_SECRETS_MOUNT}/server-keystore.pem`);
    expect(prop('ssl.truststore.location')).toBe(`${COMPOSE_SECRETS_MOUNT}/ca.crt`);
    const kafka = merged('kafka');
    expect(kafka.entrypoint).toEqual(['/bin/sh', '/opt/saga/kafka-start.sh']);
    expect(JSON.stringify(kafka.healthcheck)).toContain(
      '--command-config /run/secrets/kafka-admin-client.properties',
    );
  });

  it('formats Kafka with a SCRAM user for every principal, from the secret files', () => {
    const list = /for p in ([a-z ]+); do/.exec(kafkaStart)?.[1]?.split(' ');
    expect(list).toEqual([...PRINCIPALS]);
    expect(kafkaStart).toMatch(
      /--add-scram "SCRAM-SHA-512=\[name=\$p,password=\$\(cat "\/run\/secrets\/kafka-\$p\.password"\)\]"/,
    );
    for (const p of PRINCIPALS) expect(merged('kafka').secrets).toContain(`kafka-${p}.password`);
  });

  it('Redis is TLS-only with ACL users from the ACL file', () => {
    const cmd = (merged('redis').command ?? []).join(' ');
    expect(cmd).toContain('--port 0 --tls-port 6379');
    expect(cmd).toContain('--aclfile /run/secrets/redis-users.acl');
    expect(cmd).toContain('--tls-auth-clients no');
    expect(cmd).toContain('--appendonly yes');
    expect(JSON.stringify(merged('redis').healthcheck)).toContain('REDISCLI_AUTH=');
  });

  it('each app service connects as its own principal over TLS, and its *_FILE variables name its own secrets', () => {
    for (const name of [...SERVICE_PRINCIPALS, 'init']) {
      const s = merged(name);
      const env = s.environment ?? {};
      const principal = name === 'init' ? 'admin' : name;
      expect(env['KAFKA_SASL_USERNAME']).toBe(principal);
      expect(env['KAFKA_SSL']).toBe('true');
      expect(env['REDIS_URL']).toMatch(/^rediss:\/\//);
      const files = Object.entries(env).filter(([k]) => k.endsWith('_FILE'));
      for (const [k, v] of files) {
        expect({ k, v }).toEqual({ k, v: expect.stringMatching(/^\/run\/secrets\/[^/]+$/) });
        expect({
          name,
          secret: v.split('/').pop(),
          has: s.secrets?.includes(v.split('/').pop() ?? ''),
        }).toEqual({
          name,
          secret: v.split('/').pop(),
          has: true,
        });
      }
      // A service never gets another principal's password file.
      for (const secret of s.secrets ?? []) {
        if (secret.endsWith('.password'))
          expect(secret).toMatch(new RegExp(`^(kafka|redis)-${principal}\\.password$`));
      }
    }
  });

  it("the services' config parser accepts the environment (secret paths mapped to generated files)", () => {
    for (const name of SERVICE_PRINCIPALS) {
      const env = Object.fromEntries(
        Object.entries(merged(name).environment ?? {}).map(([k, v]) => {
          const secret = String(v).startsWith('/run/secrets/') ? String(v).split('/').pop() : undefined;
          const file = generated.find((f) => f.split('/').pop() === secret);
          return [k, file ? join(secretsDir, file) : String(v)];
        }),
      );
      const conn = loadConnectionConfig(env);
      expect(conn.kafka.sasl?.username).toBe(name);
      expect(conn.kafka.ssl).toEqual({ ca: [expect.stringContaining('BEGIN CERTIFICATE')] });
      expect(conn.redis.tls).toEqual({ ca: [expect.stringContaining('BEGIN CERTIFICATE')] });
      expect(conn.redis.url).toMatch(new RegExp(`^rediss://${name}:[A-Za-z0-9_-]{32}@redis:6379$`));
    }
  });

  it('every secret is a file scripts/compose-secrets.mjs writes, and every service secret is declared', () => {
    const declared = secure.secrets ?? {};
    for (const [name, { file }] of Object.entries(declared)) {
      expect(file.startsWith('./.compose-secrets/')).toBe(true);
      const rel = file.slice('./.compose-secrets/'.length);
      expect({ name, generated: generated.includes(rel) }).toEqual({ name, generated: true });
      expect(rel.split('/').pop()).toBe(name);
    }
    for (const [svc, s] of Object.entries(secure.services))
      for (const secret of s.secrets ?? [])
        expect({ svc, secret, declared: secret in declared }).toEqual({ svc, secret, declared: true });
    expect(read('.gitignore')).toMatch(/^\.compose-secrets\/$/m);
  });

  it('holds no password: no *PASSWORD variable with a value, no password= outside the secret files', () => {
    for (const [name, s] of Object.entries(secure.services)) {
      for (const k of Object.keys(s.environment ?? {})) {
        if (/PASSWORD/.test(k)) expect({ name, k }).toEqual({ name, k: expect.stringMatching(/_FILE$/) });
      }
    }
    for (const text of [yamlText, serverProperties, read('docker/secure/kafka-acls.sh')])
      expect(text).not.toMatch(/password\s*=\s*["']?[A-Za-z0-9_-]{8,}/i);
    // Not even a generated one (the generator's passwords are random; this guards against pasting one in).
    const pw = readFileSync(join(secretsDir, 'kafka-order.password'), 'utf8').trim();
    expect(yamlText).not.toContain(pw);
  });

  it('kafka-ui has no principal, so it only starts on request (profile)', () => {
    expect(secure.services['kafka-ui']?.profiles).toEqual(['plaintext-tools']);
  });
});
