export {
  stackUp,
  stackDown,
  stackStatus,
  stackLogs,
  stackEnv,
  stackRedisSocketUrl,
  partPorts,
  withDependencies,
} from './stack.js';
export {
  PRINCIPALS,
  SERVICE_PRINCIPALS,
  CONTROLLER_PRINCIPAL,
  REDIS_KEY_PATTERNS,
  SECURE_MESSAGE_MAX_BYTES,
  secretFiles,
  readSecret,
  isPrincipal,
  type Principal,
} from './secure.js';
export {
  stackRotate,
  adminClientProperties,
  type StackRotateOptions,
  type StackRotateResult,
  type RotatedSystem,
} from './rotate.js';
export {
  writeComposeSecrets,
  composeAclTable,
  COMPOSE_SECRETS_MOUNT,
  COMPOSE_TLS_SUBJECT,
  COMPOSE_SCRAM_LISTENERS,
  COMPOSE_PROPERTY_FILES,
} from './compose-secrets.js';
export { ensureTls, tlsFiles, STACK_TLS_SUBJECT, type TlsFiles, type TlsSubject } from './tls.js';
export { aclPlan, applyAcls, SERVICE_TOPICS, EVENT_TOPICS, type AclGrant } from './acls.js';
export {
  loadStackConfig,
  stackConnection,
  isPartName,
  PARTS,
  STACK_DEFAULTS,
  STACK_HOST,
  type PartName,
  type StackConfig,
  type StackConnection,
} from './config.js';
export {
  StackError,
  PortInUseError,
  PartFailedError,
  isStackError,
  type StackErrorCode,
  type PortConflict,
  type PortHolder,
} from './errors.js';
export { redisCommand, probeKafka, probeRedis, probeRegistry, type RedisAuth } from './health.js';
export type {
  StackProgress,
  StackCallOptions,
  StackUpOptions,
  StackDownOptions,
  StackUpResult,
  StackDownResult,
  StackStatus,
  PartStatus,
  PartLog,
} from './types.js';
export { acquireStack, releaseStack, type StackLease } from './lease.js';
export { AOF_REWRITE_ARGS } from './parts.js';
