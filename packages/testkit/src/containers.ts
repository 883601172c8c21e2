import {
  GenericContainer,
  getContainerRuntimeClient,
  Network,
  Wait,
  type StartedTestContainer,
} from 'testcontainers';

/** Pinned like docker-compose.yml, so both Docker paths run the same versions. */
export const CONTAINER_IMAGES = {
  kafka: 'apache/kafka:4.1.1',
  registry: 'apicurio/apicurio-registry:3.3.3',
  redis: 'redis:7.4-alpine',
} as const;

export async function containerRuntimeAvailable(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export interface ContainerStack {
  env: { KAFKA_BROKERS: string; SCHEMA_REGISTRY_URL: string; REDIS_URL: string };
  stop(): Promise<void>;
}

/**
 * Kafka (KRaft, one node, an internal listener for the registry and a host listener on a fixed mapped port), the
 * registry on kafkasql, and Redis with AOF. Not exercised on this project's CI machine (no container engine).
 */
export async function startContainerStack(): Promise<ContainerStack> {
  const network = await new Network().start();
  const hostPort = 29092 + Math.floor(Math.random() * 1000);
  const kafka = await new GenericContainer(CONTAINER_IMAGES.kafka)
    .withNetwork(network)
    .withNetworkAliases('kafka')
    .withExposedPorts({ container: hostPort, host: hostPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@kafka:9093',
      KAFKA_LISTENERS: `INTERNAL://:9092,CONTROLLER://:9093,HOST://:${hostPort}`,
      KAFKA_ADVERTISED_LISTENERS: `INTERNAL://kafka:9092,HOST://localhost:${hostPort}`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,HOST:PLAINTEXT',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  const registry = await new GenericContainer(CONTAINER_IMAGES.registry)
    .withNetwork(network)
    .withExposedPorts(8080)
    .withEnvironment({ APICURIO_STORAGE_KIND: 'kafkasql', APICURIO_KAFKASQL_BOOTSTRAP_SERVERS: 'kafka:9092' })
    .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080).forStatusCode(200))
    .withStartupTimeout(180_000)
    .start();
  const redis = await new GenericContainer(CONTAINER_IMAGES.redis)
    .withCommand(['redis-server', '--appendonly', 'yes', '--appendfsync', 'everysec'])
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
    .start();
  const started: StartedTestContainer[] = [redis, registry, kafka];
  return {
    env: {
      KAFKA_BROKERS: `localhost:${hostPort}`,
      SCHEMA_REGISTRY_URL: `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`,
      REDIS_URL: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    },
    async stop() {
      for (const c of started) await c.stop();
      await network.stop();
    },
  };
}
