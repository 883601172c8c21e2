export {
  runBench,
  findMax,
  STARTED_SYSTEM_WARMUP_S,
  type BenchOptions,
  type BenchReport,
  type BenchFigures,
  type FindMaxOptions,
  type FindMaxReport,
  type Machine,
} from './bench.js';
export { formatReport, formatFindMax } from './report.js';
export { BenchError } from './errors.js';
export type { AuditResult } from './audit.js';
export {
  DEFAULT_MIX,
  ORDER_KINDS,
  parseMix,
  MixPicker,
  dueCount,
  scheduledOffsetMs,
  LoadSchedule,
  rateSteps,
  unsustainableReason,
  type OrderKind,
  type MixEntry,
} from './schedule.js';
export { LatencyHistogram, type LatencySummary } from './histogram.js';
export { parseStatTicks, cpuPercent } from './cpu.js';
export { parseRoundSample, roundFigures, type RoundFigures, type RoundSample } from './rounds.js';
export { summariseProfile, packageOf, type CpuProfile, type ProfileSummary } from './profile.js';
export { DEPLOYMENTS, type Deployment } from './system.js';
