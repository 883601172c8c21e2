import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadStackConfig, STACK_HOST, type StackConfig } from './config.js';
import { StackError } from './errors.js';
import { redisCommand } from './health.js';
import { findJava } from './java.js';
import { stackLayout, type StackLayout } from './layout.js';
import { withLock } from './lock.js';
import {
  adminCredentials,
  isPrincipal,
  newPassword,
  PRINCIPALS,
  readSecret,
  redisAclFile,
  secretFiles,
  writePrivateFile,
  writeSecret,
  type Principal,
  type SecretFiles,
} from './secure.js';
import { readState } from './state.js';
import { isSameProcess } from './system.js';
import type { StackCallOptions } from './types.js';

/**
 * `saga stack rotate <principal>`: a new password for one principal on a running secured stack. The server learns
 * it first, then the password file is replaced (rename), so a failure leaves the old password valid and in place.
 * The new password travels only through files of mode 0600 (never argv, where `ps` shows it).
 */

export type RotatedSystem = 'kafka' | 'redis';

export interface StackRotateOptions extends StackCallOptions {
  /** Only these systems; default both (the registry principal has Kafka only). */
  systems?: readonly RotatedSystem[];
}

export interface StackRotateResult {
  principal: Principal;
  /** The systems whose password changed, with the password file that now holds it. */
  rotated: { system: RotatedSystem; file: string }[];
}

/** Admin client settings for Kafka's command-line tools: SASL_SSL as the admin principal, the stack's CA. */
export function adminClientProperties(files: SecretFiles, caFile = files.tls.caCert): string {
  const admin = readSecret(files.kafka('admin'));
  return [
    'security.protocol=SASL_SSL',
    'sasl.mechanism=SCRAM-SHA-512',
    `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${admin}";`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${caFile}`,
    '',
  ].join('\n');
}

function rotateError(message: string, cause?: unknown): StackError {
  return new StackError('ROTATE_FAILED', message, cause === undefined ? {} : { cause });
}

/**
 * Kafka: `kafka.admin.ConfigCommand --alter --entity-type users --add-config-file` (the AlterUserScramCredentials
 * request; kafkajs has no API for it), run with the stack's own Kafka jars. Both the admin login and the new
 * credential are in 0600 files that exist only for the call.
 */
function rotateKafka(
  config: StackConfig,
  layout: StackLayout,
  files: SecretFiles,
  principal: Principal,
  password: string,
): void {
  if (!existsSync(layout.kafkaMarkerJar))
    throw rotateError(`The Kafka jars are missing (${layout.kafkaLibs}); run \`npx saga stack up\` first.`);
  const java = findJava({
    minMajor: 17,
    explicitHome: config.javaHome,
    explicitVar: 'SAGA_JAVA_HOME',
    env: config.env,
  });
  const commandConfig = join(files.dir, `.rotate-admin-${process.pid}.properties`);
  const addConfig = join(files.dir, `.rotate-scram-${process.pid}.properties`);
  try {
    writePrivateFile(commandConfig, adminClientProperties(files));
    // A properties line, key SCRAM-SHA-512, value `password=…` (base64url: nothing to escape). Unlike --add-config,
    // the file form takes the value without the [..] grouping brackets.
    writePrivateFile(addConfig, `SCRAM-SHA-512=password=${password}\n`);
    const r = spawnSync(
      java.java,
      [
        '-cp',
        `${layout.kafkaLibs}/*`,
        'kafka.admin.ConfigCommand',
        '--bootstrap-server',
        `${STACK_HOST}:${config.kafka.port}`,
        '--command-config',
        commandConfig,
        '--alter',
        '--entity-type',
        'users',
        '--entity-name',
        principal,
        '--add-config-file',
        addConfig,
      ],
      { cwd: layout.dataDir, env: config.env, encoding: 'utf8', timeout: 120_000 },
    );
    if (r.status !== 0) {
      const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.split(password).join('[redacted]').trim();
      throw rotateError(
        `Changing ${principal}'s SCRAM credential failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}); ` +
          `the old password stays valid:\n${out
            .split('\n')
            .slice(-15)
            .map((l) => `  | ${l}`)
            .join('\n')}`,
      );
    }
  } finally {
    rmSync(commandConfig, { force: true });
    rmSync(addConfig, { force: true });
  }
}

/** Redis: `ACL SETUSER <u> resetpass #<sha256>` as admin over TLS; the ACL file is rewritten after the swap. */
async function rotateRedis(config: StackConfig, principal: Principal, password: string): Promise<void> {
  const admin = adminCredentials(config);
  const hash = createHash('sha256').update(password).digest('hex');
  const reply = await redisCommand(
    config.redis.port,
    ['ACL', 'SETUSER', principal, 'resetpass', `#${hash}`],
    5000,
    admin.redis,
    { ca: admin.ca },
  ).catch((err: unknown) => {
    throw rotateError(`Redis did not answer ACL SETUSER: ${(err as Error).message}`, err);
  });
  if (reply !== 'OK') {
    throw rotateError(
      `Redis refused the new password of ${principal}: ${reply instanceof Error ? reply.message : String(reply)}`,
    );
  }
}

/** Writes `<file>.next` first and renames it over the file: readers see the old or the new password, never half. */
function replaceSecret(file: string, value: string): void {
  const next = `${file}.next`;
  writeSecret(next, value);
  renameSync(next, file);
}

export async function stackRotate(
  principal: string,
  opts: StackRotateOptions = {},
): Promise<StackRotateResult> {
  const config = loadStackConfig(opts.env ?? process.env);
  const layout = stackLayout(config);
  const progress = opts.onProgress ?? (() => undefined);
  if (!isPrincipal(principal)) {
    throw new StackError(
      'UNKNOWN_PART',
      `Unknown principal "${principal}": one of ${PRINCIPALS.join(', ')}.`,
    );
  }
  const wanted = (opts.systems ?? ['kafka', 'redis']).filter(
    (s) => !(s === 'redis' && principal === 'registry'),
  );
  if (wanted.length === 0)
    throw rotateError('The registry principal has no Redis user; rotate its Kafka password.');

  return withLock(layout.lockFile, async () => {
    const state = readState(layout.stateFile);
    if (!state.secure) {
      throw new StackError(
        'NOT_SECURED',
        `${config.stackDir} is not a secured stack: it has no passwords to rotate (\`saga stack up --secure\` on a fresh stack dir).`,
      );
    }
    for (const system of wanted) {
      const rec = state.parts[system];
      if (!rec || !isSameProcess(rec)) {
        throw rotateError(
          `${system === 'kafka' ? 'Kafka' : 'Redis'} of this stack is not running; start it (\`npx saga stack up\`) and ` +
            'rotate again: the new password is set through the running server.',
        );
      }
    }
    const files = secretFiles(config);
    const result: StackRotateResult = { principal, rotated: [] };
    for (const system of wanted) {
      const password = newPassword();
      try {
        if (system === 'kafka') {
          rotateKafka(config, layout, files, principal, password);
          replaceSecret(files.kafka(principal), password);
        } else {
          await rotateRedis(config, principal, password);
          replaceSecret(files.redis(principal), password);
          // The file Redis loads at its next start: hashes of the current password files.
          writePrivateFile(layout.redisAclFile, redisAclFile(files));
        }
      } catch (err) {
        if (result.rotated.length > 0 && err instanceof StackError) {
          err.message += ` (${result.rotated.map((r) => r.system).join(', ')} was already rotated: its new password is in ${result.rotated.map((r) => r.file).join(', ')})`;
        }
        throw err;
      }
      const file = system === 'kafka' ? files.kafka(principal) : files.redis(principal);
      result.rotated.push({ system, file });
      progress({ part: system, message: `${principal}: new password in ${file}` });
    }
    return result;
  });
}
