import { LOCAL_STACK_DEFAULTS } from '../../messaging/src/connection.js';
import { FALLBACK_VERSIONS, loadStackConfig, parsePomVersions, stackConnection } from '../src/config.js';
import { isMavenDownloadLine } from '../src/dist.js';
import { PartFailedError, PortInUseError, StackError } from '../src/errors.js';
import { encodeRespCommand, parseRespReply } from '../src/health.js';
import { parseJavaMajor } from '../src/java.js';
import { localRedisSocketUrl, stackLayout } from '../src/layout.js';
import { lastLines, renderCommand } from '../src/logs.js';
import {
  kafkaFormatArgs,
  kafkaProperties,
  newClusterId,
  parseMetaClusterId,
  redisLaunch,
  registryLaunch,
} from '../src/parts.js';
import { serverVersion } from '../src/redis-server.js';
import { partPorts, withDependencies } from '../src/stack.js';
import { parseProcNetTcp, parseProcStat, summarizeCommand } from '../src/system.js';

const ROOT = '/repo';

function configError(env: NodeJS.ProcessEnv): StackError {
  try {
    loadStackConfig(env, ROOT);
  } catch (err) {
    return err as StackError;
  }
  throw new Error('expected loadStackConfig to throw');
}

describe('loadStackConfig', () => {
  it('defaults to the ports the services connect to by default', () => {
    const config = loadStackConfig({}, ROOT);
    expect(stackConnection(config)).toEqual(LOCAL_STACK_DEFAULTS);
    expect(config).toMatchObject({
      stackDir: '/repo/.stack',
      distDir: '/repo/.stack/dist',
      pomFile: '/repo/stack/pom.xml',
      kafka: { port: 19092, controllerPort: 19093, heap: '768m', version: FALLBACK_VERSIONS.kafka },
      registry: { port: 18081, managementPort: 18082, heap: '384m', version: FALLBACK_VERSIONS.apicurio },
      redis: { port: 16379 },
    });
  });

  it('reads every SAGA_* setting and treats blank values as unset', () => {
    const config = loadStackConfig(
      {
        SAGA_STACK_DIR: '/tmp/s',
        SAGA_KAFKA_PORT: '29092',
        SAGA_KAFKA_CONTROLLER_PORT: ' 29093 ',
        SAGA_REGISTRY_PORT: '28081',
        SAGA_REGISTRY_MANAGEMENT_PORT: '28082',
        SAGA_REDIS_PORT: '26379',
        SAGA_KAFKA_HEAP: '1G',
        SAGA_REGISTRY_HEAP: '',
        SAGA_REDIS_HEALTH_TIMEOUT_MS: '1',
        SAGA_JAVA21_HOME: '/opt/jdk25',
      },
      ROOT,
    );
    expect(config.stackDir).toBe('/tmp/s');
    expect(config.distDir).toBe('/tmp/s/dist');
    expect(config.kafka).toMatchObject({ port: 29092, controllerPort: 29093, heap: '1g' });
    expect(config.registry).toMatchObject({ port: 28081, managementPort: 28082, heap: '384m' });
    expect(config.redis).toEqual({ port: 26379, healthTimeoutMs: 1 });
    expect(config.java21Home).toBe('/opt/jdk25');
    expect(config.javaHome).toBeUndefined();
    expect(stackConnection(config)).toEqual({
      KAFKA_BROKERS: '127.0.0.1:29092',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:28081/apis/ccompat/v7',
      REDIS_URL: 'redis://127.0.0.1:26379',
    });
  });

  it('keeps a separate dist dir when SAGA_STACK_DIST_DIR is set', () => {
    const config = loadStackConfig({ SAGA_STACK_DIR: '/tmp/a', SAGA_STACK_DIST_DIR: '/tmp/shared' }, ROOT);
    expect(config.distDir).toBe('/tmp/shared');
    expect(stackLayout(config).kafkaLibs).toBe('/tmp/shared/kafka-4.1.1/libs');
    expect(stackLayout(config).registryJar).toBe('/tmp/shared/apicurio-3.3.3/quarkus-run.jar');
    expect(stackLayout(config).logFile('kafka')).toBe('/tmp/a/logs/kafka.log');
  });

  it('reports every invalid setting at once, with a stable code', () => {
    const err = configError({
      SAGA_KAFKA_PORT: '70000',
      SAGA_REDIS_PORT: 'abc',
      SAGA_REGISTRY_HEAP: '384',
      SAGA_KAFKA_HEALTH_TIMEOUT_MS: '-5',
    });
    expect(err).toBeInstanceOf(StackError);
    expect(err.code).toBe('STACK_CONFIG_INVALID');
    expect(err.message).toContain('SAGA_KAFKA_PORT=70000');
    expect(err.message).toContain('SAGA_REDIS_PORT=abc');
    expect(err.message).toContain('SAGA_REGISTRY_HEAP=384');
    expect(err.message).toContain('SAGA_KAFKA_HEALTH_TIMEOUT_MS=-5');
  });

  it('rejects two parts on one port', () => {
    const err = configError({ SAGA_REDIS_PORT: '19092' });
    expect(err.code).toBe('STACK_CONFIG_INVALID');
    expect(err.message).toMatch(/SAGA_REDIS_PORT and SAGA_KAFKA_PORT are both 19092/);
  });
});

describe('parsePomVersions', () => {
  it('reads the Kafka and Apicurio versions from the stack POM', () => {
    const pom =
      '<properties>\n <kafka.version>4.1.1</kafka.version>\n<apicurio.version> 3.3.3 </apicurio.version>';
    expect(parsePomVersions(pom)).toEqual({ kafka: '4.1.1', apicurio: '3.3.3' });
    expect(parsePomVersions('<project/>')).toEqual({});
  });
});

describe('parseJavaMajor', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "25.0.1" 2025-10-21 LTS', 25],
    ['java version "1.8.0_292"', 8],
    ['openjdk version "21" 2023-09-19', 21],
    ['openjdk version "22-ea" 2024-03-19', 22],
  ])('%s -> %d', (text, major) => {
    expect(parseJavaMajor(text)).toBe(major);
  });
  it('returns undefined for anything else', () => {
    expect(parseJavaMajor('bash: java: command not found')).toBeUndefined();
  });
});

describe('/proc parsing', () => {
  it('parses the state and start time, even with spaces and parentheses in the command', () => {
    const stat = '4242 (java (x) y) S 1 4242 4242 0 -1 4194560 1 0 0 0 5 3 0 0 20 0 30 0 987654 100 200';
    expect(parseProcStat(stat)).toEqual({ state: 'S', startTicks: 987654 });
    expect(parseProcStat('garbage')).toBeUndefined();
  });

  it('finds listening sockets in /proc/net/tcp', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:4A8C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 123456 1 0 20 4 30 10 -1',
      '   1: 0100007F:4A8C 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 777 1 0 20 4 30 10 -1',
    ].join('\n');
    expect(parseProcNetTcp(tcp)).toEqual([{ port: 19084, inode: 123456 }]);
  });

  it('summarizes command lines', () => {
    expect(
      summarizeCommand(['/usr/bin/java', '-Xmx1g', '-cp', 'libs/*', 'kafka.Kafka', 'server.properties']),
    ).toBe('java kafka.Kafka');
    expect(summarizeCommand(['/opt/jdk/bin/java', '-Xmx1g', '-jar', '/x/quarkus-run.jar'])).toBe(
      'java -jar /x/quarkus-run.jar',
    );
    expect(summarizeCommand(['redis-server', '127.0.0.1:16379'])).toBe('redis-server 127.0.0.1:16379');
    expect(summarizeCommand([])).toBe('?');
  });
});

describe('part definitions', () => {
  const config = loadStackConfig({ SAGA_STACK_DIR: '/s', SAGA_STACK_DIST_DIR: '/d' }, ROOT);
  const layout = stackLayout(config);

  it('configures a one-node KRaft Kafka on loopback without topic auto-creation', () => {
    const props = kafkaProperties({ port: 19092, controllerPort: 19093, logDir: '/s/data/kafka' });
    const map = new Map(
      props
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split('=', 2) as [string, string]),
    );
    expect(map.get('process.roles')).toBe('broker,controller');
    expect(map.get('controller.quorum.voters')).toBe('1@127.0.0.1:19093');
    expect(map.get('listeners')).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    expect(map.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:19092');
    expect(map.get('auto.create.topics.enable')).toBe('false');
    expect(map.get('offsets.topic.replication.factor')).toBe('1');
    expect(map.get('log.dirs')).toBe('/s/data/kafka');
    expect(kafkaFormatArgs(layout, 'abc')).toEqual([
      '-cp',
      '/d/kafka-4.1.1/libs/*',
      'kafka.tools.StorageTool',
      'format',
      '-t',
      'abc',
      '-c',
      '/s/conf/kafka.properties',
    ]);
  });

  it('keeps the registry on loopback, management interface included, with its data in Kafka', () => {
    const spec = registryLaunch(config, layout, '/jdk25/bin/java');
    expect(spec.env).toMatchObject({
      APICURIO_STORAGE_KIND: 'kafkasql',
      APICURIO_KAFKASQL_BOOTSTRAP_SERVERS: '127.0.0.1:19092',
      QUARKUS_HTTP_HOST: '127.0.0.1',
      QUARKUS_HTTP_PORT: '18081',
      QUARKUS_MANAGEMENT_HOST: '127.0.0.1',
      QUARKUS_MANAGEMENT_PORT: '18082',
    });
    expect(spec.args).toContain('-Xmx384m');
    expect(spec.args.slice(-2)).toEqual(['-jar', '/d/apicurio-3.3.3/quarkus-run.jar']);
  });

  it('runs Redis as its own loopback instance with an append-only file in the stack dir', () => {
    const spec = redisLaunch(config, layout, '/usr/bin/redis-server');
    const arg = (name: string) => spec.args[spec.args.indexOf(name) + 1];
    expect(arg('--port')).toBe('16379');
    expect(arg('--bind')).toBe('127.0.0.1');
    expect(arg('--dir')).toBe('/s/data/redis');
    expect(arg('--appendonly')).toBe('yes');
    expect(arg('--daemonize')).toBe('no');
  });

  it('also listens on a Unix socket beside its data (owner only), unless the path is too long for one', () => {
    const spec = redisLaunch(config, layout, '/usr/bin/redis-server');
    const arg = (name: string) => spec.args[spec.args.indexOf(name) + 1];
    expect(arg('--unixsocket')).toBe('/s/data/redis/redis.sock');
    expect(arg('--unixsocketperm')).toBe('700');
    expect(localRedisSocketUrl(layout)).toBe('unix:///s/data/redis/redis.sock');

    const deep = loadStackConfig({ SAGA_STACK_DIR: `/${'d'.repeat(100)}` }, ROOT);
    const deepLayout = stackLayout(deep);
    expect(deepLayout.redisSocket).toBeUndefined();
    expect(localRedisSocketUrl(deepLayout)).toBeUndefined();
    expect(redisLaunch(deep, deepLayout, '/usr/bin/redis-server').args).not.toContain('--unixsocket');
    expect(arg('--port')).toBe('16379');

    // Secured: TLS on the port only; a socket would be a way around it.
    const tls = {
      dir: '/t',
      caCert: '/t/ca',
      serverCert: '/t/crt',
      serverKey: '/t/key',
      serverKeystore: '/t/ks',
    };
    expect(redisLaunch(config, layout, '/usr/bin/redis-server', '/s/conf/acl', tls).args).not.toContain(
      '--unixsocket',
    );
  });

  it('makes Kafka cluster ids like Kafka does', () => {
    for (let i = 0; i < 50; i++) {
      const id = newClusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    }
    expect(parseMetaClusterId('#\nnode.id=1\ncluster.id=AbC-12_xyz\nversion=1\n')).toBe('AbC-12_xyz');
    expect(parseMetaClusterId('node.id=1')).toBeUndefined();
  });

  it('lists every port of a part and brings Kafka along with the registry', () => {
    expect(partPorts(config, 'kafka').map((p) => p.port)).toEqual([19092, 19093]);
    expect(partPorts(config, 'registry').map((p) => p.port)).toEqual([18081, 18082]);
    expect(withDependencies(['registry'])).toEqual(['kafka', 'registry']);
    expect(withDependencies(['redis', 'kafka'])).toEqual(['kafka', 'redis']);
  });
});

describe('serverVersion', () => {
  it('names Valkey by its own version, not the Redis version it reports for compatibility', () => {
    const valkey =
      '# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.0.1\r\nredis_mode:standalone\r\n';
    expect(serverVersion(valkey)).toBe('valkey 8.0.1');
    expect(serverVersion('# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n')).toBe(
      'redis 7.0.15',
    );
    expect(serverVersion('# Server\r\n')).toBeNull();
  });
});

describe('errors', () => {
  it('says what to do when Redis 7.0 finds data a newer server (Valkey 8) wrote', () => {
    // The end of a real redis.log: Redis 7.0.15 started on a data dir Valkey 8.0.1 had written.
    const tail = [
      '10530:M 27 Nov 2026 09:32:11.754 * Reading RDB base file on AOF loading...',
      "10530:M 27 Nov 2026 09:32:11.754 # Can't handle RDB format version 11",
      '10530:M 27 Nov 2026 09:32:11.754 # Error reading the RDB base file appendonly.aof.1.base.rdb, AOF loading aborted',
    ];
    const err = new PartFailedError(
      'PART_EXITED',
      'redis',
      'Redis exited while starting.',
      '/s/logs/redis.log',
      tail,
    );
    expect(err.message).toContain('written by a newer server');
    expect(err.message).toContain('SAGA_REDIS_SERVER=<path>');
    expect(err.message.indexOf('written by a newer server')).toBeGreaterThan(
      err.message.indexOf('format version 11'),
    );
    expect(new PartFailedError('PART_EXITED', 'redis', 'x', '/l', tail.slice(0, 1)).message).not.toContain(
      'newer',
    );
    expect(new PartFailedError('PART_EXITED', 'kafka', 'x', '/l', tail).message).not.toContain('newer');
  });

  it('names the port, the part and the holder of a taken port', () => {
    const err = new PortInUseError([
      { part: 'redis', role: 'Redis', port: 16379, holder: { pid: 99, command: 'redis-server *:16379' } },
      { part: 'kafka', role: 'Kafka controller', port: 19093, holder: undefined },
    ]);
    expect(err.code).toBe('PORT_IN_USE');
    expect(err.port).toBe(16379);
    expect(err.part).toBe('redis');
    expect(err.message).toContain(
      'port 16379 (Redis, redis) is already in use, held by pid 99 (redis-server *:16379)',
    );
    expect(err.message).toContain(
      'port 19093 (Kafka controller, kafka) is already in use, held by another process',
    );
    expect(err.message).toContain('SAGA_REDIS_PORT');
  });
});

describe('small helpers', () => {
  it('speaks enough RESP for PING, SET and GET', () => {
    expect(encodeRespCommand(['SET', 'k', 'välue']).toString()).toBe(
      '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\nvälue\r\n',
    );
    expect(parseRespReply(Buffer.from('+PONG\r\n'))?.value).toBe('PONG');
    expect(parseRespReply(Buffer.from('$5\r\nhello\r\n'))?.value).toBe('hello');
    expect(parseRespReply(Buffer.from('$5\r\nhel'))).toBeUndefined();
    expect(parseRespReply(Buffer.from('$-1\r\n'))?.value).toBeNull();
    expect(parseRespReply(Buffer.from('*2\r\n:1\r\n$1\r\nx\r\n'))?.value).toEqual([1, 'x']);
    expect(parseRespReply(Buffer.from('-LOADING Redis is loading\r\n'))?.value).toEqual(
      new Error('LOADING Redis is loading'),
    );
  });

  it('tails text and renders commands for copy and paste', () => {
    expect(lastLines('a\nb\nc\n', 2)).toEqual(['b', 'c']);
    expect(lastLines('a\r\nb', 5)).toEqual(['a', 'b']);
    expect(renderCommand(['redis-server', '--save', '', '-cp', 'libs/*', "it's"])).toBe(
      `redis-server --save '' -cp 'libs/*' 'it'\\''s'`,
    );
  });

  it("recognizes Maven's download lines", () => {
    expect(isMavenDownloadLine('Downloading from central: https://repo/x.jar')).toBe(true);
    expect(isMavenDownloadLine('[INFO] Downloaded from central: https://repo/x.jar (5 MB at 1 MB/s)')).toBe(
      true,
    );
    expect(isMavenDownloadLine('[INFO] BUILD SUCCESS')).toBe(false);
  });
});
