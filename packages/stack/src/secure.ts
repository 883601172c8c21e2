import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STACK_HOST, type StackConfig } from './config.js';
import { StackError } from './errors.js';
import { ensureTls, tlsFiles, type TlsFiles } from './tls.js';

/**
 * The secured mode of the local stack (`saga stack up --secure`): SASL/SCRAM-SHA-512 over TLS and ACLs on Kafka,
 * ACL users over TLS on Redis. Passwords are generated here once per stack dir, kept in files of mode 0600 under `<stack>/secrets/`
 * and handed to clients as *_FILE paths: nothing in this module prints a password.
 */

/** Principals: `admin` (super user, stack tooling), one per service, the registry's kafkasql storage, the CLI. */
export const SERVICE_PRINCIPALS = ['order', 'payment', 'inventory', 'shipping'] as const;
export const PRINCIPALS = ['admin', ...SERVICE_PRINCIPALS, 'registry', 'cli'] as const;
export type Principal = (typeof PRINCIPALS)[number];

/** The KRaft controller listener authenticates with SASL/PLAIN (SCRAM needs the metadata log it serves). */
export const CONTROLLER_PRINCIPAL = 'controller';

/** Redis keys each user may touch (`~pattern`); admin and cli touch all (the CLI's read APIs span services). */
export const REDIS_KEY_PATTERNS: Record<Principal, readonly string[]> = {
  admin: ['*'],
  cli: ['*'],
  order: ['ord:*', '{retry:order}:*'],
  payment: ['pay:*', 'gw:*', '{retry:payment}:*'],
  inventory: ['inv:*', '{retry:inventory}:*'],
  shipping: ['ship:*', 'carrier:*', '{retry:shipping}:*'],
  registry: [],
};

/** The explicit record size limit of the secured broker (bytes); a larger produce request is rejected. */
export const SECURE_MESSAGE_MAX_BYTES = 1_048_576;

export function isPrincipal(value: string): value is Principal {
  return (PRINCIPALS as readonly string[]).includes(value);
}

export interface SecretFiles {
  dir: string;
  kafka(principal: Principal | typeof CONTROLLER_PRINCIPAL): string;
  redis(principal: Principal): string;
  /** CA and server certificate (`<stack>/secrets/tls/`). */
  tls: TlsFiles;
}

export function secretFiles(config: StackConfig): SecretFiles {
  return secretFilesIn(join(config.stackDir, 'secrets'));
}

/** The same layout under any directory (docker compose: `.compose-secrets/`, see src/compose-secrets.ts). */
export function secretFilesIn(dir: string): SecretFiles {
  return {
    dir,
    kafka: (p) => join(dir, `kafka-${p}.password`),
    redis: (p) => join(dir, `redis-${p}.password`),
    tls: tlsFiles(join(dir, 'tls')),
  };
}

/** 24 random bytes as base64url: no character needs quoting in JAAS, the format tool's [..] syntax, or a URL. */
export function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

export function writeSecret(file: string, value: string): void {
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // writeFileSync's mode applies only to a new file
}

export function readSecret(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new StackError(
      'SECRET_MISSING',
      `The secured stack's secret ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}). ` +
        'It is created with the stack dir; if it was deleted, delete the stack dir and run `saga stack up --secure` again.',
      { cause: err },
    );
  }
}

/** Creates every missing password file (dir 0700, files 0600); existing ones are kept (they match the data). */
export function ensureSecrets(config: StackConfig): SecretFiles {
  return ensureSecretsIn(secretFiles(config));
}

export function ensureSecretsIn(files: SecretFiles): SecretFiles {
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  chmodSync(files.dir, 0o700);
  const wanted = [
    ...PRINCIPALS.map((p) => files.kafka(p)),
    files.kafka(CONTROLLER_PRINCIPAL),
    ...PRINCIPALS.filter((p) => p !== 'registry').map((p) => files.redis(p)),
  ];
  for (const f of wanted) if (!existsSync(f)) writeSecret(f, newPassword());
  return files;
}

/**
 * The CA and server certificate; made when missing, on every start (not only at format time: unlike the SCRAM
 * users they are not bound to the data, so a stack dir secured before TLS existed gets them on its next start).
 */
export function ensureStackTls(config: StackConfig): TlsFiles {
  return ensureTls(secretFiles(config).tls.dir);
}

/** `--add-scram` arguments of `kafka.tools.StorageTool format`: every principal gets its SCRAM-SHA-512 credential. */
export function scramFormatArgs(files: SecretFiles): string[] {
  return PRINCIPALS.flatMap((p) => [
    '--add-scram',
    `SCRAM-SHA-512=[name=${p},password=${readSecret(files.kafka(p))}]`,
  ]);
}

/** Broker properties that replace the plaintext listener; the file holding them is written with mode 0600. */
export function secureKafkaProperties(
  opts: { port: number; controllerPort: number },
  files: SecretFiles,
): [string, string | number][] {
  return [
    ['listeners', `SASL_SSL://${STACK_HOST}:${opts.port},CONTROLLER://${STACK_HOST}:${opts.controllerPort}`],
    ['advertised.listeners', `SASL_SSL://${STACK_HOST}:${opts.port}`],
    // The controller listener stays without TLS: it is the broker talking to itself inside one process's ports on
    // loopback (SASL/PLAIN, see CONTROLLER_PRINCIPAL); clients never reach it.
    ['listener.security.protocol.map', 'SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT'],
    ['inter.broker.listener.name', 'SASL_SSL'],
    ['sasl.enabled.mechanisms', 'SCRAM-SHA-512'],
    ['sasl.mechanism.inter.broker.protocol', 'SCRAM-SHA-512'],
    // PEM files, no JKS: key + chain in one file, the CA as truststore (the broker's own inter-broker client).
    ['ssl.keystore.type', 'PEM'],
    ['ssl.keystore.location', files.tls.serverKeystore],
    ['ssl.truststore.type', 'PEM'],
    ['ssl.truststore.location', files.tls.caCert],
    ['ssl.client.auth', 'none'],
    ['ssl.enabled.protocols', 'TLSv1.3,TLSv1.2'],
    ...brokerJaasProperties(files, ['sasl_ssl']),
    ['sasl.mechanism.controller.protocol', 'PLAIN'],
    ['listener.name.controller.sasl.enabled.mechanisms', 'PLAIN'],
    ['authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'],
    ['allow.everyone.if.no.acl.found', 'false'],
    ['super.users', `User:admin;User:${CONTROLLER_PRINCIPAL}`],
    ['message.max.bytes', SECURE_MESSAGE_MAX_BYTES],
  ];
}

/**
 * The broker's own logins, which hold passwords: SCRAM as `admin` on each SCRAM listener (its inter-broker client)
 * and the static PLAIN user of the controller listener. Shared with docker compose (`kafka-jaas.properties`).
 */
export function brokerJaasProperties(
  files: SecretFiles,
  scramListeners: readonly string[],
): [string, string][] {
  const admin = readSecret(files.kafka('admin'));
  const controller = readSecret(files.kafka(CONTROLLER_PRINCIPAL));
  return [
    ...scramListeners.map((l): [string, string] => [
      `listener.name.${l}.scram-sha-512.sasl.jaas.config`,
      `org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${admin}";`,
    ]),
    [
      'listener.name.controller.plain.sasl.jaas.config',
      `org.apache.kafka.common.security.plain.PlainLoginModule required username="${CONTROLLER_PRINCIPAL}" ` +
        `password="${controller}" user_${CONTROLLER_PRINCIPAL}="${controller}";`,
    ],
  ];
}

/**
 * The Redis ACL file: `default` off, one user per principal limited to its key prefixes. Passwords are stored as
 * SHA-256 hashes (`#…`), so the file itself holds no secret. +@all -@dangerous keeps EVAL/EVALSHA/SCRIPT LOAD;
 * INFO and CLIENT SETNAME/GETNAME/ID are added back (Redis 7.0 has no CLIENT SETINFO) because ioredis's ready check and handshake use them.
 */
export function redisAclFile(files: SecretFiles): string {
  // Redis ACL files take no comments; this one is rewritten on every start from src/secure.ts.
  const lines = ['user default off resetkeys resetchannels -@all'];
  for (const p of PRINCIPALS) {
    if (p === 'registry') continue;
    const hash = createHash('sha256')
      .update(readSecret(files.redis(p)))
      .digest('hex');
    const keys = REDIS_KEY_PATTERNS[p].map((k) => `~${k}`).join(' ');
    const cmds =
      p === 'admin' || p === 'cli'
        ? '+@all'
        : '+@all -@dangerous +info +client|setname +client|getname +client|id';
    lines.push(`user ${p} on #${hash} resetkeys ${keys} resetchannels &* ${cmds}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Apicurio's kafkasql client settings. They go into `<registry work dir>/config/application.properties` (mode
 * 0600, read by Quarkus from its working directory) rather than the command line, which `ps`, the state file and
 * the part's log all show. `apicurio.kafkasql.security.sasl.*` is OAuth-only in 3.x, hence kafka.common.
 */
export function registrySecureProperties(files: SecretFiles, caFile = files.tls.caCert): string {
  const pw = readSecret(files.kafka('registry'));
  return [
    '# Written by saga stack --secure; holds the registry principal password (mode 0600).',
    'apicurio.kafka.common.security.protocol=SASL_SSL',
    'apicurio.kafka.common.ssl.truststore.type=PEM',
    `apicurio.kafka.common.ssl.truststore.location=${caFile}`,
    'apicurio.kafka.common.sasl.mechanism=SCRAM-SHA-512',
    `apicurio.kafka.common.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="registry" password="${pw}";`,
    '',
  ].join('\n');
}

export function writePrivateFile(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/**
 * What a client acting as `principal` needs: addresses, user names, the CA file, and password *files* (never
 * values). Clients pass the CA themselves (kafkajs `ssl.ca`, ioredis `tls.ca`), so nothing trusts it process-wide.
 */
export function principalEnv(config: StackConfig, principal: Principal): Record<string, string> {
  const files = secretFiles(config);
  const env: Record<string, string> = {
    KAFKA_BROKERS: `${STACK_HOST}:${config.kafka.port}`,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: files.tls.caCert,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: principal,
    KAFKA_SASL_PASSWORD_FILE: files.kafka(principal),
    SCHEMA_REGISTRY_URL: `http://${STACK_HOST}:${config.registry.port}/apis/ccompat/v7`,
  };
  // The registry principal is Kafka-only: it has no Redis user.
  if (principal !== 'registry') {
    env.REDIS_URL = `rediss://${principal}@${STACK_HOST}:${config.redis.port}`;
    env.REDIS_PASSWORD_FILE = files.redis(principal);
    env.REDIS_TLS_CA_FILE = files.tls.caCert;
  }
  return env;
}

/** Credentials of the stack's own tooling (health checks, ACL setup, rotation): the admin user on both, over TLS. */
export function adminCredentials(config: StackConfig): {
  kafka: { mechanism: 'scram-sha-512'; username: string; password: string };
  redis: { username: string; password: string };
  /** The CA certificate (PEM text) the stack's own clients verify the servers with. */
  ca: string;
} {
  const files = secretFiles(config);
  return {
    kafka: { mechanism: 'scram-sha-512', username: 'admin', password: readSecret(files.kafka('admin')) },
    redis: { username: 'admin', password: readSecret(files.redis('admin')) },
    ca: `${readSecret(files.tls.caCert)}\n`,
  };
}
