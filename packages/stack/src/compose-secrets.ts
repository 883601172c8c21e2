import { chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { aclPlan } from './acls.js';
import { adminClientProperties } from './rotate.js';
import {
  brokerJaasProperties,
  ensureSecretsIn,
  redisAclFile,
  registrySecureProperties,
  secretFilesIn,
  writePrivateFile,
} from './secure.js';
import { ensureTls, type TlsSubject } from './tls.js';

/**
 * The secrets of the secured docker compose setup (docker-compose.secure.yml), made by the same code as the local
 * stack's: passwords per principal, the CA and server certificate, the Redis ACL file, and the property files that
 * hold passwords (broker logins, the admin client of the ACL init job, the registry's Kafka client).
 * scripts/compose-secrets.mjs calls this; compose mounts each file under /run/secrets/<file name>.
 */

/** Where compose mounts the secrets inside the containers. */
export const COMPOSE_SECRETS_MOUNT = '/run/secrets';

/** Containers reach the servers by their compose service names; the host through published ports on localhost. */
export const COMPOSE_TLS_SUBJECT: TlsSubject = {
  commonName: 'kafka',
  ips: ['127.0.0.1'],
  dnsNames: ['kafka', 'redis', 'localhost'],
};

/** The broker's SCRAM listeners in docker/secure/server.properties (containers, and the host's published port). */
export const COMPOSE_SCRAM_LISTENERS = ['sasl_ssl', 'host'] as const;

/** Files that are not passwords but still carry them (written 0600 first, like every secret). */
export const COMPOSE_PROPERTY_FILES = {
  kafkaJaas: 'kafka-jaas.properties',
  adminClient: 'kafka-admin-client.properties',
  registryKafka: 'registry-kafka.properties',
  redisAcl: 'redis-users.acl',
} as const;

/**
 * Creates what is missing under `dir` and returns every file (relative names). Existing passwords are kept: Kafka
 * created its SCRAM users from them at format time. Files end up 0644 inside a 0700 directory: compose bind-mounts
 * a file secret with its host owner and mode (the `uid`/`mode` options are Swarm-only), and the containers run as
 * other users (kafka: appuser, redis: redis, the services: node), so the directory is what keeps other host users
 * out.
 */
export function writeComposeSecrets(dir: string): string[] {
  const files = ensureSecretsIn(secretFilesIn(dir));
  const tls = ensureTls(files.tls.dir, COMPOSE_TLS_SUBJECT);
  const inContainer = (file: string) => `${COMPOSE_SECRETS_MOUNT}/${file}`;
  const ca = inContainer('ca.crt');
  const jaas = brokerJaasProperties(files, COMPOSE_SCRAM_LISTENERS)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  writePrivateFile(join(dir, COMPOSE_PROPERTY_FILES.kafkaJaas), `${jaas}\n`);
  writePrivateFile(join(dir, COMPOSE_PROPERTY_FILES.adminClient), adminClientProperties(files, ca));
  writePrivateFile(join(dir, COMPOSE_PROPERTY_FILES.registryKafka), registrySecureProperties(files, ca));
  writePrivateFile(join(dir, COMPOSE_PROPERTY_FILES.redisAcl), redisAclFile(files));
  const written: string[] = [];
  for (const d of [dir, tls.dir]) {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (!statSync(full).isFile()) continue;
      chmodSync(full, 0o644);
      written.push(d === dir ? name : `tls/${name}`);
    }
  }
  chmodSync(dir, 0o700);
  return written.sort();
}

/**
 * docker/secure/acls.tsv, the table the compose ACL job (docker/secure/kafka-acls.sh) grants: aclPlan() as
 * tab-separated lines. A file in the repository rather than generated at `up` time, so a review sees the grants
 * and test/compose-secure.unit.spec.ts fails when aclPlan() changes without it.
 */
export function composeAclTable(): string {
  const header =
    '# principal\tresource\tname\tpattern\top -- aclPlan() of packages/stack/src/acls.ts; rewrite with ' +
    '`node scripts/compose-secrets.mjs --acl-table`';
  const rows = aclPlan().map((g) => [g.principal, g.resource, g.name, g.pattern, g.op].join('\t'));
  return `${[header, ...rows].join('\n')}\n`;
}
