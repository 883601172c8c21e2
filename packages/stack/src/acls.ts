import kafkajs from 'kafkajs';
import { STACK_HOST, type StackConfig } from './config.js';
import { StackError } from './errors.js';
import { adminCredentials, type Principal } from './secure.js';

const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } =
  kafkajs;

/**
 * Who may do what on the secured broker. The topic names mirror @saga/contracts (`Topics`, `deadLetterTopic`) and
 * the services' `topics` lists; the stack does not import them (it must start before anything is built), so
 * test/security/acl-plan.unit.spec.ts checks that both agree.
 */
export type AclOp =
  'READ' | 'WRITE' | 'DESCRIBE' | 'CREATE' | 'ALL' | 'IDEMPOTENT_WRITE' | 'DESCRIBE_CONFIGS';
export interface AclGrant {
  principal: Principal;
  resource: 'topic' | 'group' | 'cluster';
  name: string;
  pattern: 'literal' | 'prefixed';
  op: AclOp;
}

/** Topics each service consumes (its `ServiceModule.topics`) and the one event topic it produces to. */
export const SERVICE_TOPICS = {
  order: { consumes: ['order-requests', 'payments', 'inventory', 'shipping'], produces: 'orders' },
  payment: { consumes: ['orders', 'inventory', 'shipping'], produces: 'payments' },
  inventory: { consumes: ['payments'], produces: 'inventory' },
  shipping: { consumes: ['payments'], produces: 'shipping' },
} as const;

export const EVENT_TOPICS = ['order-requests', 'orders', 'payments', 'inventory', 'shipping'] as const;
const DLQ_PREFIX = 'dlq.';
/** The CLI's private readers and tails use group ids `saga-reader-<uuid>` / `saga-tail-<uuid>`. */
const CLI_GROUP_PREFIX = 'saga-';
/** Apicurio kafkasql: topics kafkasql-journal / kafkasql-snapshots / registry-events, groups apicurio-<uuid>. */
const REGISTRY_TOPIC_PREFIXES = ['kafkasql-', 'registry-'];
const REGISTRY_GROUP_PREFIX = 'apicurio-';

export function aclPlan(): AclGrant[] {
  const grants: AclGrant[] = [];
  const add = (
    principal: Principal,
    resource: AclGrant['resource'],
    name: string,
    op: AclOp,
    pattern: AclGrant['pattern'] = 'literal',
  ) => grants.push({ principal, resource, name, pattern, op });

  for (const [service, t] of Object.entries(SERVICE_TOPICS) as [
    keyof typeof SERVICE_TOPICS,
    (typeof SERVICE_TOPICS)[keyof typeof SERVICE_TOPICS],
  ][]) {
    for (const topic of t.consumes) {
      add(service, 'topic', topic, 'READ');
      // The start-up check that saga state outlives these topics' records reads their retention.ms.
      add(service, 'topic', topic, 'DESCRIBE_CONFIGS');
    }
    add(service, 'topic', t.produces, 'WRITE');
    add(service, 'topic', `${DLQ_PREFIX}${service}`, 'WRITE');
    add(service, 'group', service, 'READ');
    add(service, 'cluster', 'kafka-cluster', 'IDEMPOTENT_WRITE');
  }
  // The CLI places orders, reads every topic (tail, dlq list, order timelines) and the services' group lag.
  for (const topic of EVENT_TOPICS) add('cli', 'topic', topic, 'READ');
  add('cli', 'topic', DLQ_PREFIX, 'READ', 'prefixed');
  add('cli', 'topic', 'order-requests', 'WRITE');
  add('cli', 'group', CLI_GROUP_PREFIX, 'READ', 'prefixed');
  for (const service of Object.keys(SERVICE_TOPICS) as (keyof typeof SERVICE_TOPICS)[])
    add('cli', 'group', service, 'DESCRIBE');
  add('cli', 'cluster', 'kafka-cluster', 'IDEMPOTENT_WRITE');
  // The registry creates and owns its storage topics and uses a fresh group per start.
  for (const prefix of REGISTRY_TOPIC_PREFIXES) add('registry', 'topic', prefix, 'ALL', 'prefixed');
  add('registry', 'group', REGISTRY_GROUP_PREFIX, 'ALL', 'prefixed');
  add('registry', 'cluster', 'kafka-cluster', 'IDEMPOTENT_WRITE');
  add('registry', 'cluster', 'kafka-cluster', 'DESCRIBE_CONFIGS');
  return grants;
}

const RESOURCE = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  cluster: AclResourceTypes.CLUSTER,
} as const;

/** A kafkajs admin client of the stack's admin principal (super user) on the secured (TLS) listener. */
export function adminKafka(config: StackConfig, clientId = 'saga-stack-admin'): InstanceType<typeof Kafka> {
  const creds = adminCredentials(config);
  return new Kafka({
    clientId,
    brokers: [`${STACK_HOST}:${config.kafka.port}`],
    sasl: creds.kafka,
    ssl: { ca: [creds.ca] },
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { retries: 3 },
  });
}

/** Creates every grant of `aclPlan()` (CreateAcls is idempotent: an existing binding is left as it is). */
export async function applyAcls(config: StackConfig): Promise<number> {
  const plan = aclPlan();
  const admin = adminKafka(config).admin();
  try {
    await admin.connect();
    await admin.createAcls({
      acl: plan.map((g) => ({
        principal: `User:${g.principal}`,
        host: '*',
        resourceType: RESOURCE[g.resource],
        resourceName: g.name,
        resourcePatternType:
          g.pattern === 'prefixed' ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
        operation: AclOperationTypes[g.op],
        permissionType: AclPermissionTypes.ALLOW,
      })),
    });
    return plan.length;
  } catch (err) {
    // kafkajs messages name the broker and the error code, never the credentials.
    throw new StackError('ACL_SETUP_FAILED', `Creating the Kafka ACLs failed: ${(err as Error).message}`, {
      part: 'kafka',
      cause: err,
    });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
