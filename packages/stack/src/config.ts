import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StackError } from './errors.js';

/** The parts of the local stack, in start order. */
export const PARTS = ['kafka', 'registry', 'redis'] as const;
export type PartName = (typeof PARTS)[number];

export function isPartName(value: string): value is PartName {
  return (PARTS as readonly string[]).includes(value);
}

/** Every part listens on this address only: the stack is for this machine. */
export const STACK_HOST = '127.0.0.1';

/**
 * Defaults of the SAGA_* settings. The three client-facing ports must agree with `LOCAL_STACK_DEFAULTS` in
 * packages/messaging/src/connection.ts (a unit test checks it).
 */
export const STACK_DEFAULTS = {
  SAGA_KAFKA_PORT: 19092,
  SAGA_KAFKA_CONTROLLER_PORT: 19093,
  SAGA_REGISTRY_PORT: 18081,
  SAGA_REGISTRY_MANAGEMENT_PORT: 18082,
  SAGA_REDIS_PORT: 16379,
  SAGA_KAFKA_HEAP: '768m',
  SAGA_REGISTRY_HEAP: '384m',
  SAGA_KAFKA_HEALTH_TIMEOUT_MS: 90_000,
  SAGA_REGISTRY_HEALTH_TIMEOUT_MS: 180_000,
  SAGA_REDIS_HEALTH_TIMEOUT_MS: 20_000,
  SAGA_STACK_STOP_GRACE_MS: 20_000,
} as const;

/** Used when stack/pom.xml cannot be read (the pom is the source of truth for these). */
export const FALLBACK_VERSIONS = { kafka: '4.1.1', apicurio: '3.3.3' } as const;

export interface StackConfig {
  repoRoot: string;
  /** The Maven project that resolves Kafka and Apicurio from Maven Central. */
  pomFile: string;
  /** State, logs, configs and data live here. */
  stackDir: string;
  /** The unpacked Kafka and Apicurio distributions (may be shared between stack dirs). */
  distDir: string;
  kafka: {
    version: string;
    port: number;
    controllerPort: number;
    heap: string;
    healthTimeoutMs: number;
  };
  registry: {
    version: string;
    port: number;
    managementPort: number;
    heap: string;
    healthTimeoutMs: number;
  };
  redis: {
    port: number;
    healthTimeoutMs: number;
  };
  stopGraceMs: number;
  /** Explicit JDK homes (SAGA_JAVA_HOME for Kafka and Maven, SAGA_JAVA21_HOME for the registry). */
  javaHome: string | undefined;
  java21Home: string | undefined;
  /** Explicit redis-server binary (SAGA_REDIS_SERVER); otherwise looked up on PATH. */
  redisServer: string | undefined;
  /** SAGA_STACK_SECURE=1|true: start a fresh stack dir in secured mode (like `stack up --secure`). */
  secureRequested: boolean;
  /** The environment the parts are started with and binaries are looked up in (PATH). */
  env: NodeJS.ProcessEnv;
}

/** The repository root, found from this file's place (packages/stack/{src,dist}/config.*). */
export function defaultRepoRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/+$/, '');
}

/** Reads `<kafka.version>` and `<apicurio.version>` from the stack POM text. */
export function parsePomVersions(pomXml: string): { kafka?: string; apicurio?: string } {
  const pick = (name: string) => new RegExp(`<${name}>\\s*([^<\\s]+)\\s*</${name}>`).exec(pomXml)?.[1];
  const kafka = pick('kafka\\.version');
  const apicurio = pick('apicurio\\.version');
  return { ...(kafka ? { kafka } : {}), ...(apicurio ? { apicurio } : {}) };
}

const HEAP = /^[1-9][0-9]*[kmgKMG]$/;

/**
 * Parses and validates the SAGA_* settings once. Unset or blank variables take the defaults; every problem is
 * reported at once in a STACK_CONFIG_INVALID error.
 */
export function loadStackConfig(
  env: NodeJS.ProcessEnv = process.env,
  repoRoot = defaultRepoRoot(),
): StackConfig {
  const issues: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const int = (name: keyof typeof STACK_DEFAULTS, min: number, max: number): number => {
    const raw = get(name);
    const fallback = STACK_DEFAULTS[name];
    if (raw === undefined) return typeof fallback === 'number' ? fallback : Number.NaN;
    if (!/^[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      issues.push(`${name}=${raw}: expected a whole number from ${min} to ${max}`);
      return typeof fallback === 'number' ? fallback : Number.NaN;
    }
    return Number(raw);
  };
  const port = (name: keyof typeof STACK_DEFAULTS) => int(name, 1, 65535);
  const heap = (name: 'SAGA_KAFKA_HEAP' | 'SAGA_REGISTRY_HEAP'): string => {
    const raw = get(name);
    if (raw === undefined) return STACK_DEFAULTS[name];
    if (!HEAP.test(raw)) {
      issues.push(`${name}=${raw}: expected a JVM heap size such as 512m or 1g`);
      return STACK_DEFAULTS[name];
    }
    return raw.toLowerCase();
  };
  const dir = (name: string, fallback: string): string => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    return isAbsolute(raw) ? raw : resolve(raw);
  };

  const ports = {
    SAGA_KAFKA_PORT: port('SAGA_KAFKA_PORT'),
    SAGA_KAFKA_CONTROLLER_PORT: port('SAGA_KAFKA_CONTROLLER_PORT'),
    SAGA_REGISTRY_PORT: port('SAGA_REGISTRY_PORT'),
    SAGA_REGISTRY_MANAGEMENT_PORT: port('SAGA_REGISTRY_MANAGEMENT_PORT'),
    SAGA_REDIS_PORT: port('SAGA_REDIS_PORT'),
  };
  const seen = new Map<number, string>();
  for (const [name, p] of Object.entries(ports)) {
    const other = seen.get(p);
    if (other) issues.push(`${name} and ${other} are both ${p}: every part needs its own port`);
    else seen.set(p, name);
  }
  const timeout = (name: keyof typeof STACK_DEFAULTS) => int(name, 1, 3_600_000);

  const pomFile = join(repoRoot, 'stack', 'pom.xml');
  const versions = existsSync(pomFile) ? parsePomVersions(readFileSync(pomFile, 'utf8')) : {};
  const stackDir = dir('SAGA_STACK_DIR', join(repoRoot, '.stack'));

  const config: StackConfig = {
    repoRoot,
    pomFile,
    stackDir,
    distDir: dir('SAGA_STACK_DIST_DIR', join(stackDir, 'dist')),
    kafka: {
      version: versions.kafka ?? FALLBACK_VERSIONS.kafka,
      port: ports.SAGA_KAFKA_PORT,
      controllerPort: ports.SAGA_KAFKA_CONTROLLER_PORT,
      heap: heap('SAGA_KAFKA_HEAP'),
      healthTimeoutMs: timeout('SAGA_KAFKA_HEALTH_TIMEOUT_MS'),
    },
    registry: {
      version: versions.apicurio ?? FALLBACK_VERSIONS.apicurio,
      port: ports.SAGA_REGISTRY_PORT,
      managementPort: ports.SAGA_REGISTRY_MANAGEMENT_PORT,
      heap: heap('SAGA_REGISTRY_HEAP'),
      healthTimeoutMs: timeout('SAGA_REGISTRY_HEALTH_TIMEOUT_MS'),
    },
    redis: {
      port: ports.SAGA_REDIS_PORT,
      healthTimeoutMs: timeout('SAGA_REDIS_HEALTH_TIMEOUT_MS'),
    },
    stopGraceMs: int('SAGA_STACK_STOP_GRACE_MS', 0, 600_000),
    javaHome: get('SAGA_JAVA_HOME'),
    java21Home: get('SAGA_JAVA21_HOME'),
    redisServer: get('SAGA_REDIS_SERVER'),
    secureRequested: ['1', 'true', 'yes'].includes((get('SAGA_STACK_SECURE') ?? '').toLowerCase()),
    env,
  };
  if (issues.length > 0) {
    throw new StackError(
      'STACK_CONFIG_INVALID',
      `Invalid local stack settings:\n  - ${issues.join('\n  - ')}\nFix or unset these variables.`,
    );
  }
  return config;
}

/** What the services need to reach this stack; the same names as packages/messaging's connection settings. */
export interface StackConnection {
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
  REDIS_URL: string;
}

export function stackConnection(config: StackConfig): StackConnection {
  return {
    KAFKA_BROKERS: `${STACK_HOST}:${config.kafka.port}`,
    SCHEMA_REGISTRY_URL: `http://${STACK_HOST}:${config.registry.port}/apis/ccompat/v7`,
    REDIS_URL: `redis://${STACK_HOST}:${config.redis.port}`,
  };
}
