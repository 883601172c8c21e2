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
  kafkaLibs: string;
  /** A file that exists only once the Kafka jars are in place. */
  kafkaMarkerJar: string;
  registryHome: string;
  registryJar: string;
  mavenLockFile: string;
  logFile(part: PartName): string;
}

export function stackLayout(config: StackConfig): StackLayout {
  const { stackDir, distDir } = config;
  const dataDir = join(stackDir, 'data');
  const logsDir = join(stackDir, 'logs');
  const kafkaLibs = join(distDir, `kafka-${config.kafka.version}`, 'libs');
  const registryHome = join(distDir, `apicurio-${config.registry.version}`);
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
    kafkaLibs,
    kafkaMarkerJar: join(kafkaLibs, `kafka_2.13-${config.kafka.version}.jar`),
    registryHome,
    registryJar: join(registryHome, 'quarkus-run.jar'),
    mavenLockFile: join(distDir, '.maven.lock'),
    logFile: (part) => join(logsDir, `${part}.log`),
  };
}
