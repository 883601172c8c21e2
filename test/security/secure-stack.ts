// A private SECURED stack for the security tests: its own stack dir under /tmp and its own ports (2909x, 2808x,
// 2637x), the downloaded distributions shared with the main stack. It never touches the default-port stack that
// other suites use. Low-level Kafka clients are built here with kafkajs directly (not @saga/messaging's
// createKafka) because the tests need one principal per client, no retries and short timeouts: a rejected
// request must fail at once instead of being retried for a minute.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { Redis } from 'ioredis';
import {
  loadStackConfig,
  readSecret,
  secretFiles,
  stackDown,
  stackEnv,
  stackUp,
  type Principal,
  type StackUpResult,
} from '@saga/stack';

const { Kafka, logLevel } = kafkajs;

export interface StackPorts {
  kafka: number;
  controller: number;
  registry: number;
  management: number;
  redis: number;
}
/** One set per test file: jest may run the files side by side. */
export const ACL_PORTS: StackPorts = {
  kafka: 29094,
  controller: 29095,
  registry: 28084,
  management: 28085,
  redis: 26374,
};
export const CANARY_PORTS: StackPorts = {
  kafka: 29098,
  controller: 29099,
  registry: 28088,
  management: 28089,
  redis: 26378,
};

/**
 * How a test client speaks to the secured stack: TLS trusting the stack's CA (the default), TLS trusting only
 * the system's CAs, or no TLS at all.
 */
export type ClientTls = 'stack-ca' | 'system-ca' | 'none';

export interface SecureStack {
  ports: StackPorts;
  env: NodeJS.ProcessEnv;
  dir: string;
  up: StackUpResult;
  /** The stack's CA certificate (PEM). */
  ca: string;
  /** `errorCodes` collects the broker error codes kafkajs logs at debug level (it hides some behind its own). */
  kafkaAs(
    username?: string,
    password?: string,
    errorCodes?: string[],
    tls?: ClientTls,
  ): InstanceType<typeof Kafka>;
  redisAs(username?: string, password?: string, tls?: ClientTls): Redis;
  /** The password file of a principal (Kafka or Redis). */
  kafkaPassword(p: Principal): string;
  redisPassword(p: Principal): string;
  /** Environment of a client acting as `p` (passwords as *_FILE paths), merged over process.env. */
  clientEnv(p: Principal): NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/**
 * Starts a fresh secured stack. `planted` pre-creates some password files (e.g. a canary) before the stack
 * generates the rest: the stack keeps existing secrets, so the planted value becomes the real password.
 */
export async function startSecureStack(
  ports: StackPorts,
  planted: { kafka?: Partial<Record<Principal, string>>; redis?: Partial<Record<Principal, string>> } = {},
  parts?: ('kafka' | 'registry' | 'redis')[],
): Promise<SecureStack> {
  const dir = mkdtempSync(join(tmpdir(), 'saga-secure-int-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SAGA_STACK_DIR: dir,
    SAGA_STACK_DIST_DIR: loadStackConfig(process.env).distDir,
    SAGA_KAFKA_PORT: String(ports.kafka),
    SAGA_KAFKA_CONTROLLER_PORT: String(ports.controller),
    SAGA_REGISTRY_PORT: String(ports.registry),
    SAGA_REGISTRY_MANAGEMENT_PORT: String(ports.management),
    SAGA_REDIS_PORT: String(ports.redis),
    SAGA_KAFKA_HEAP: '384m',
    SAGA_REGISTRY_HEAP: '256m',
    SAGA_STACK_STOP_GRACE_MS: '15000',
  };
  const files = secretFiles(loadStackConfig(env));
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  for (const [p, v] of Object.entries(planted.kafka ?? {}))
    writeFileSync(files.kafka(p as Principal), v, { mode: 0o600 });
  for (const [p, v] of Object.entries(planted.redis ?? {}))
    writeFileSync(files.redis(p as Principal), v, { mode: 0o600 });
  const up = await stackUp({ env, secure: true, ...(parts ? { parts } : {}) });
  const ca = readFileSync(files.tls.caCert, 'utf8');
  return {
    ports,
    env,
    dir,
    up,
    ca,
    kafkaAs: (u, pw, codes, tls = 'stack-ca') => kafkaAs(ports.kafka, sslOf(tls, ca), u, pw, codes),
    redisAs: (u, pw, tls = 'stack-ca') => redisAs(ports.redis, sslOf(tls, ca), u, pw),
    kafkaPassword: (p) => readSecret(files.kafka(p)),
    redisPassword: (p) => readSecret(files.redis(p)),
    clientEnv: (p) => {
      const clean = { ...process.env };
      // The suite's own stack settings must not leak into a client of the secured one.
      for (const k of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'REDIS_URL']) delete clean[k];
      return { ...clean, ...env, ...stackEnv(p, { env }) };
    },
    stop: async () => {
      await stackDown({ env });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function sslOf(tls: ClientTls, ca: string): { ca?: string[] } | undefined {
  if (tls === 'none') return undefined;
  return tls === 'stack-ca' ? { ca: [ca] } : {};
}

/** A kafkajs client on the secured listener as `username` (no SASL at all when undefined); never retries. */
function kafkaAs(
  port: number,
  ssl: { ca?: string[] } | undefined,
  username?: string,
  password?: string,
  errorCodes?: string[],
): InstanceType<typeof Kafka> {
  return new Kafka({
    clientId: `security-test-${username ?? 'anonymous'}`,
    brokers: [`127.0.0.1:${port}`],
    logLevel: errorCodes ? logLevel.DEBUG : logLevel.NOTHING,
    logCreator: () => (entry) => {
      const type = (entry.log as { error?: { type?: unknown } }).error?.type;
      if (errorCodes && typeof type === 'string') errorCodes.push(type);
    },
    connectionTimeout: 3000,
    requestTimeout: 8000,
    retry: { retries: 0 },
    ...(ssl ? { ssl } : {}),
    ...(username !== undefined
      ? { sasl: { mechanism: 'scram-sha-512', username, password: password ?? '' } }
      : {}),
  });
}

/** A Redis connection as an ACL user (or unauthenticated when username is undefined); no reconnect loops. */
function redisAs(
  port: number,
  tls: { ca?: string[] } | undefined,
  username?: string,
  password?: string,
): Redis {
  return new Redis({
    host: '127.0.0.1',
    port,
    ...(tls ? { tls } : {}),
    ...(username !== undefined ? { username, password } : {}),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableReadyCheck: false,
  });
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejectionOf(p: Promise<unknown>): Promise<Error & { type?: string; code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { type?: string; code?: string };
  }
  throw new Error('expected a rejection, but it succeeded');
}
