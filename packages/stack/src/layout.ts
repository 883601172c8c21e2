import { join } from 'node:path';
import type { PartName, StackConfig } from './config.js';

/** Where everything of one stack lives under its stack dir. */
export interface StackLayout {
  stateFile: string;
  lockFile: string;
  confDir: string;
  logsDir: string;
  dataDir: string;
  kafkaProperties: string;
  /** Secured mode: the Redis ACL users (password hashes only). */
  redisAclFile: string;
  kafkaDataDir: string;
  registryWorkDir: string;
  redisDataDir: string;
  /**
   * Plaintext mode: Redis' Unix socket, or undefined when its path is too long for one (a socket path has at most
   * 107 bytes); the TCP port serves either way.
   */
  redisSocket: string | undefined;
  kafkaLibs: string;
  /** A file that exists only once the Kafka jars are in place. */
  kafkaMarkerJar: string;
  registryHome: string;
  registryJar: string;
  mavenLockFile: string;
  logFile(part: PartName): string;
}

/** Linux' limit for a socket's path (sun_path, 108 bytes with its terminating zero). */
const MAX_SOCKET_PATH_BYTES = 107;

export function stackLayout(config: StackConfig): StackLayout {
  const { stackDir, distDir } = config;
  const dataDir = join(stackDir, 'data');
  const logsDir = join(stackDir, 'logs');
  const kafkaLibs = join(distDir, `kafka-${config.kafka.version}`, 'libs');
  const registryHome = join(distDir, `apicurio-${config.registry.version}`);
  const redisSocket = join(dataDir, 'redis', 'redis.sock');
  return {
    stateFile: join(stackDir, 'state.json'),
    lockFile: join(stackDir, 'stack.lock'),
    confDir: join(stackDir, 'conf'),
    logsDir,
    dataDir,
    kafkaProperties: join(stackDir, 'conf', 'kafka.properties'),
    redisAclFile: join(stackDir, 'conf', 'redis-users.acl'),
    kafkaDataDir: join(dataDir, 'kafka'),
    registryWorkDir: join(dataDir, 'registry'),
    redisDataDir: join(dataDir, 'redis'),
    redisSocket: Buffer.byteLength(redisSocket) <= MAX_SOCKET_PATH_BYTES ? redisSocket : undefined,
    kafkaLibs,
    kafkaMarkerJar: join(kafkaLibs, `kafka_2.13-${config.kafka.version}.jar`),
    registryHome,
    registryJar: join(registryHome, 'quarkus-run.jar'),
    mavenLockFile: join(distDir, '.maven.lock'),
    logFile: (part) => join(logsDir, `${part}.log`),
  };
}

/**
 * REDIS_URL for a process on this machine to reach the stack's Redis by its Unix socket (plaintext stack only):
 * cheaper per round trip than loopback TCP (BENCHMARKS.md, session 11). Undefined without a socket.
 */
export function localRedisSocketUrl(layout: StackLayout): string | undefined {
  return layout.redisSocket === undefined ? undefined : `unix://${layout.redisSocket}`;
}
