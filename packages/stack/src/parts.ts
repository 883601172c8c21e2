import { randomBytes } from 'node:crypto';
import { STACK_HOST, type StackConfig } from './config.js';
import type { StackLayout } from './layout.js';
import type { TlsFiles } from './tls.js';

/** How to start one part: what the stack spawns, detached, with its output in the part's log. */
export interface LaunchSpec {
  command: string;
  args: string[];
  /** Added to (or overriding) the caller's environment. */
  env: Record<string, string>;
  cwd: string;
}

/** server.properties of a single-node KRaft Kafka (broker and controller in one process) on loopback. */
export function kafkaProperties(opts: {
  port: number;
  controllerPort: number;
  logDir: string;
  /** Secured mode: these replace the same keys (listeners, …) and add the SASL/ACL settings. */
  overrides?: readonly [string, string | number][];
}): string {
  const { port, controllerPort, logDir } = opts;
  const props: [string, string | number][] = [
    ['process.roles', 'broker,controller'],
    ['node.id', 1],
    ['controller.quorum.voters', `1@${STACK_HOST}:${controllerPort}`],
    ['listeners', `PLAINTEXT://${STACK_HOST}:${port},CONTROLLER://${STACK_HOST}:${controllerPort}`],
    ['advertised.listeners', `PLAINTEXT://${STACK_HOST}:${port}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['log.dirs', logDir],
    ['num.partitions', 6],
    ['auto.create.topics.enable', 'false'],
    ['offsets.topic.replication.factor', 1],
    ['offsets.topic.num.partitions', 12],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['group.initial.rebalance.delay.ms', 0],
    ['num.network.threads', 2],
    ['num.io.threads', 4],
    ['log.retention.hours', 24],
  ];
  for (const [key, value] of opts.overrides ?? []) {
    const at = props.findIndex(([k]) => k === key);
    if (at >= 0) props[at] = [key, value];
    else props.push([key, value]);
  }
  return `# Written by saga stack on every start; edit src/parts.ts in @saga/stack instead.\n${props
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

/** A Kafka cluster id: 16 random bytes, base64url without padding, not starting with '-' (as Kafka's own). */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Reads `cluster.id` from a KRaft meta.properties. */
export function parseMetaClusterId(metaProperties: string): string | undefined {
  return /^cluster\.id=(.+)$/m.exec(metaProperties)?.[1]?.trim();
}

export function kafkaFormatArgs(layout: StackLayout, clusterId: string, extra: string[] = []): string[] {
  return [
    '-cp',
    `${layout.kafkaLibs}/*`,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    layout.kafkaProperties,
    ...extra,
  ];
}

export function kafkaLaunch(config: StackConfig, layout: StackLayout, java: string): LaunchSpec {
  const heap = config.kafka.heap;
  return {
    command: java,
    args: [
      `-Xmx${heap}`,
      `-Xms${heap}`,
      // Throughput collector: on 2 shared cores G1's concurrent threads cost more than Parallel's short young
      // pauses (BENCHMARKS.md, session 5: Kafka 25.2–27.5 % of a core at 1,000 sagas/s against 28.6–30.7 %).
      '-XX:+UseParallelGC',
      '-Djava.awt.headless=true',
      '-Dorg.slf4j.simpleLogger.showDateTime=true',
      '-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS',
      `-Dsaga.stack.dir=${config.stackDir}`,
      '-cp',
      `${layout.kafkaLibs}/*`,
      'kafka.Kafka',
      layout.kafkaProperties,
    ],
    env: {},
    cwd: layout.dataDir,
  };
}

export function registryLaunch(config: StackConfig, layout: StackLayout, java21: string): LaunchSpec {
  return {
    command: java21,
    args: [
      `-Xmx${config.registry.heap}`,
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      `-XX:SharedArchiveFile=${layout.registryWorkDir}/app-cds.jsa`,
      '-XX:+AutoCreateSharedArchive',
      '-Xlog:cds=off,cds+dynamic=off',
      `-Dsaga.stack.dir=${config.stackDir}`,
      '-jar',
      layout.registryJar,
    ],
    env: {
      APICURIO_STORAGE_KIND: 'kafkasql',
      APICURIO_KAFKASQL_BOOTSTRAP_SERVERS: `${STACK_HOST}:${config.kafka.port}`,
      QUARKUS_HTTP_HOST: STACK_HOST,
      QUARKUS_HTTP_PORT: String(config.registry.port),
      // The management interface (health, metrics) is built in; keep it on loopback and off port 9000.
      QUARKUS_MANAGEMENT_HOST: STACK_HOST,
      QUARKUS_MANAGEMENT_PORT: String(config.registry.managementPort),
    },
    cwd: layout.registryWorkDir,
  };
}

/**
 * Redis AOF rewrite settings, shared by the local stack and (as text) docker-compose*.yml. The rewrite writes its
 * base as an RDB file; without LZF compression the forked child needed ~28 % less CPU (0.77 s → 0.55 s for 123 MB
 * of saga state here) for a ~27 % larger file. On 2 busy cores that child competes with the services, and a
 * sustained 1,000 sagas/s meets a rewrite every ~75 s.
 */
export const AOF_REWRITE_ARGS = [
  '--auto-aof-rewrite-percentage',
  '200',
  '--auto-aof-rewrite-min-size',
  '1gb',
  '--rdbcompression',
  'no',
] as const;

export function redisLaunch(
  config: StackConfig,
  layout: StackLayout,
  redisServer: string,
  aclFile?: string,
  tls?: TlsFiles,
): LaunchSpec {
  // Secured: TLS only (--port 0 closes the plaintext port); clients need no certificate of their own.
  const listen = tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(config.redis.port),
        '--tls-cert-file',
        tls.serverCert,
        '--tls-key-file',
        tls.serverKey,
        '--tls-ca-cert-file',
        tls.caCert,
        '--tls-auth-clients',
        'no',
      ]
    : [
        '--port',
        String(config.redis.port),
        // Processes on this machine may use the socket instead (REDIS_URL=unix://…; the bench's nodes do):
        // owner-only, like the data beside it.
        ...(layout.redisSocket ? ['--unixsocket', layout.redisSocket, '--unixsocketperm', '700'] : []),
      ];
  return {
    command: redisServer,
    args: [
      ...listen,
      '--bind',
      STACK_HOST,
      '--dir',
      layout.redisDataDir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      // AOF compaction sized for a write-heavy saga store on a small box: with Redis' defaults (rewrite at 64 MB,
      // then whenever the log doubles) a 1,000 sagas/s run forked a full rewrite every 5-30 s, each child burning a
      // core for seconds next to the services (BENCHMARKS.md). The log may now grow to 3x its base before one.
      ...AOF_REWRITE_ARGS,
      '--save',
      '',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
      '--logfile',
      '',
      // Secured mode: users come from this file (default user off); it holds password hashes only.
      ...(aclFile ? ['--aclfile', aclFile] : []),
    ],
    env: {},
    cwd: layout.redisDataDir,
  };
}
