import type { PartName, StackConnection } from './config.js';

/** A line of progress: downloads, formatting, starting, waiting. */
export interface StackProgress {
  part: PartName | 'maven' | 'stack';
  message: string;
}

export interface StackCallOptions {
  /** Settings and PATH come from here; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  onProgress?: (progress: StackProgress) => void;
}

export interface StackUpOptions extends StackCallOptions {
  /** Only these parts (and what they need: the registry needs Kafka); default all. */
  parts?: readonly PartName[];
  /** Secured mode (SASL/SCRAM + ACLs, Redis ACL users); default SAGA_STACK_SECURE=1. Sticks to the stack dir. */
  secure?: boolean;
}

export interface StackDownOptions extends StackCallOptions {
  /** Only these parts; default all. */
  parts?: readonly PartName[];
}

export interface PartStatus {
  part: PartName;
  /** A process this stack started (recorded in its state) is alive. */
  running: boolean;
  /** 'stack' when our recorded process runs; 'external' when something else answers healthily on the port. */
  managedBy: 'stack' | 'external' | 'none';
  pid: number | null;
  healthy: boolean;
  /** Why it is (not) healthy, e.g. "PONG", "HTTP 503", "nothing listens on 127.0.0.1:19092". */
  detail: string;
  /** The client-facing port. */
  port: number;
  /** Every port the part listens on. */
  ports: number[];
  /** How clients reach it: host:port for Kafka, URLs for the others. */
  endpoint: string;
  version: string | null;
  startedAt: string | null;
  logFile: string;
}

export interface StackStatus {
  stackDir: string;
  /** The stack dir was set up secured (`stack up --secure`). */
  secure: boolean;
  /** True when every part is healthy. */
  healthy: boolean;
  parts: PartStatus[];
  connection: StackConnection;
}

export interface StackUpResult {
  /** Parts this call started (a caller that started nothing should stop nothing). */
  started: PartName[];
  alreadyRunning: PartName[];
  status: StackStatus;
  connection: StackConnection;
}

export interface StackDownResult {
  /** Stopped by SIGTERM within the grace period. */
  stopped: PartName[];
  /** Did not stop within the grace period and were killed with SIGKILL. */
  killed: PartName[];
  /** Had no live process of ours. */
  notRunning: PartName[];
}

export interface PartLog {
  part: PartName;
  file: string;
  exists: boolean;
  lines: string[];
}
