export { stackUp, stackDown, stackStatus, stackLogs, partPorts, withDependencies } from './stack.js';
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
export { redisCommand, probeKafka, probeRedis, probeRegistry } from './health.js';
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
