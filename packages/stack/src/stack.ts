import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  isPartName,
  loadStackConfig,
  PARTS,
  STACK_HOST,
  stackConnection,
  type PartName,
  type StackConfig,
} from './config.js';
import { ensureDist } from './dist.js';
import { PartFailedError, PortInUseError, StackError, type PortConflict } from './errors.js';
import { probeKafka, probeRedis, probeRegistry, redisCommand, type Probe } from './health.js';
import { applyAcls } from './acls.js';
import {
  adminCredentials,
  ensureSecrets,
  ensureStackTls,
  isPrincipal,
  principalEnv,
  PRINCIPALS,
  redisAclFile,
  registrySecureProperties,
  scramFormatArgs,
  secretFiles,
  secureKafkaProperties,
  writePrivateFile,
} from './secure.js';
import { findJava, type JavaRuntime } from './java.js';
import { localRedisSocketUrl, stackLayout, type StackLayout } from './layout.js';
import { withLock } from './lock.js';
import { renderCommand, rotateLog, START_MARKER, tailFile, tailSinceLastStart } from './logs.js';
import {
  kafkaFormatArgs,
  kafkaLaunch,
  kafkaProperties,
  newClusterId,
  parseMetaClusterId,
  redisLaunch,
  registryLaunch,
  type LaunchSpec,
} from './parts.js';
import { findRedisServer, serverVersion } from './redis-server.js';
import { readState, writeState, type PartRecord, type StackState } from './state.js';
import { findPortHolder, isPortFree, isSameProcess, readProcess } from './system.js';
import type {
  PartLog,
  PartStatus,
  StackCallOptions,
  StackDownOptions,
  StackDownResult,
  StackProgress,
  StackStatus,
  StackUpOptions,
  StackUpResult,
} from './types.js';

const LABEL: Record<PartName, string> = { kafka: 'Kafka', registry: 'Apicurio Registry', redis: 'Redis' };
const LOG_TAIL_LINES = 40;

/** The ports a part listens on, with what each is for (for port-conflict messages). */
export function partPorts(config: StackConfig, part: PartName): { role: string; port: number }[] {
  switch (part) {
    case 'kafka':
      return [
        { role: 'Kafka listener', port: config.kafka.port },
        { role: 'Kafka controller', port: config.kafka.controllerPort },
      ];
    case 'registry':
      return [
        { role: 'registry HTTP', port: config.registry.port },
        { role: 'registry management', port: config.registry.managementPort },
      ];
    case 'redis':
      return [{ role: 'Redis', port: config.redis.port }];
  }
}

/** Adds what the wanted parts depend on (the registry keeps its data in Kafka) and keeps the start order. */
export function withDependencies(parts: readonly PartName[]): PartName[] {
  const wanted = new Set(parts);
  if (wanted.has('registry')) wanted.add('kafka');
  return PARTS.filter((p) => wanted.has(p));
}

function validateParts(parts: readonly string[] | undefined): PartName[] {
  if (parts === undefined) return [...PARTS];
  for (const p of parts) {
    if (!isPartName(p)) {
      throw new StackError('UNKNOWN_PART', `Unknown part "${p}": the local stack has ${PARTS.join(', ')}.`);
    }
  }
  return PARTS.filter((p) => parts.includes(p));
}

function prepareDirs(layout: StackLayout): void {
  for (const d of [
    layout.confDir,
    layout.logsDir,
    layout.kafkaDataDir,
    layout.registryWorkDir,
    layout.redisDataDir,
  ]) {
    mkdirSync(d, { recursive: true });
  }
}

function javaHomeOf(java: JavaRuntime): string {
  return dirname(dirname(realpathSync(java.java)));
}

async function findPortConflicts(config: StackConfig, parts: readonly PartName[]): Promise<PortConflict[]> {
  const conflicts: PortConflict[] = [];
  for (const part of parts) {
    for (const { role, port } of partPorts(config, part)) {
      if (!(await isPortFree(port, STACK_HOST)))
        conflicts.push({ part, role, port, holder: findPortHolder(port) });
    }
  }
  return conflicts;
}

/** Starts a part detached (it outlives this process), its output appended to its log, and records its identity. */
async function launch(
  part: PartName,
  spec: LaunchSpec,
  config: StackConfig,
  layout: StackLayout,
  state: StackState,
): Promise<PartRecord> {
  const logFile = layout.logFile(part);
  rotateLog(logFile);
  const fd = openSync(logFile, 'a');
  let child;
  try {
    writeSync(
      fd,
      `\n${START_MARKER}${part} at ${new Date().toISOString()}: ${renderCommand([spec.command, ...spec.args])}\n`,
    );
    child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...config.env, ...spec.env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const spawnError = await new Promise<Error | undefined>((resolveSpawn) => {
    child.once('spawn', () => resolveSpawn(undefined));
    child.once('error', (err) => resolveSpawn(err));
  });
  child.on('error', () => undefined);
  child.unref();
  const identity = child.pid === undefined ? undefined : readProcess(child.pid);
  if (spawnError || !identity) {
    throw new PartFailedError(
      'PART_EXITED',
      part,
      `${LABEL[part]} could not be started${spawnError ? `: ${spawnError.message}` : ' (it exited at once)'}.`,
      logFile,
      tailSinceLastStart(logFile, LOG_TAIL_LINES),
    );
  }
  const record: PartRecord = {
    pid: identity.pid,
    startTicks: identity.startTicks,
    exe: identity.exe,
    startedAt: new Date().toISOString(),
    ports: partPorts(config, part).map((p) => p.port),
    command: [spec.command, ...spec.args],
  };
  state.parts[part] = record;
  writeState(layout.stateFile, state);
  return record;
}

/** SIGTERM, then SIGKILL after the grace period; only while /proc still shows the recorded process. */
async function stopRecorded(record: PartRecord, graceMs: number): Promise<'stopped' | 'killed' | 'gone'> {
  if (!isSameProcess(record)) return 'gone';
  try {
    process.kill(record.pid, 'SIGTERM');
  } catch {
    return 'gone';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isSameProcess(record)) return 'stopped';
    await delay(100);
  }
  if (!isSameProcess(record)) return 'stopped';
  try {
    process.kill(record.pid, 'SIGKILL');
  } catch {
    return 'stopped';
  }
  for (let i = 0; i < 100; i++) {
    if (!isSameProcess(record)) return 'killed';
    await delay(100);
  }
  throw new StackError(
    'STOP_FAILED',
    `pid ${record.pid} (${record.command[0] ?? '?'}) did not exit even after SIGKILL. Check it with \`ps -p ${record.pid}\`.`,
  );
}

function probeOf(config: StackConfig, part: PartName, secure: boolean): () => Promise<Probe> {
  // A secured stack is probed as its admin user; read lazily so a missing secret is a failed probe, not a crash.
  const creds = () => (secure ? adminCredentials(config) : undefined);
  const guarded = (f: () => Promise<Probe>) => async (): Promise<Probe> => {
    try {
      return await f();
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  };
  const tls = (c: ReturnType<typeof creds>) => (c ? { ca: c.ca } : undefined);
  switch (part) {
    case 'kafka':
      return guarded(() => {
        const c = creds();
        return probeKafka(config.kafka.port, c?.kafka, tls(c));
      });
    case 'registry':
      return () => probeRegistry(config.registry.port);
    case 'redis':
      return guarded(() => {
        const c = creds();
        return probeRedis(config.redis.port, c?.redis, tls(c));
      });
  }
}

function healthTimeoutOf(config: StackConfig, part: PartName): number {
  return config[part].healthTimeoutMs;
}

/**
 * Polls the part's health check until it passes. Fails early when the process exits; on timeout a process
 * this call started is stopped (so a failed `up` leaves nothing half-started behind) and its log tail reported.
 */
async function waitHealthy(
  part: PartName,
  record: PartRecord,
  startedNow: boolean,
  config: StackConfig,
  layout: StackLayout,
  state: StackState,
  progress: (p: StackProgress) => void,
): Promise<void> {
  const timeoutMs = healthTimeoutOf(config, part);
  const probe = probeOf(config, part, state.secure === true);
  const logFile = layout.logFile(part);
  const began = Date.now();
  let nextNote = began + 10_000;
  for (;;) {
    if (!isSameProcess(record)) {
      delete state.parts[part];
      writeState(layout.stateFile, state);
      throw new PartFailedError(
        'PART_EXITED',
        part,
        `${LABEL[part]} (pid ${record.pid}) exited while starting.`,
        logFile,
        tailSinceLastStart(logFile, LOG_TAIL_LINES),
      );
    }
    const result = await probe();
    if (result.ok) {
      if (startedNow || Date.now() - began > 1000) {
        progress({ part, message: `healthy after ${((Date.now() - began) / 1000).toFixed(1)} s` });
      }
      return;
    }
    const waited = Date.now() - began;
    if (waited >= timeoutMs) {
      let what = `${LABEL[part]} (pid ${record.pid}) did not become healthy within ${timeoutMs} ms (last check: ${result.detail}).`;
      if (startedNow) {
        await stopRecorded(record, Math.min(config.stopGraceMs, 5000));
        delete state.parts[part];
        writeState(layout.stateFile, state);
        what += ' It was stopped.';
        what += ` Raise SAGA_${part.toUpperCase()}_HEALTH_TIMEOUT_MS if this machine is just slow.`;
      } else {
        what += ' It was already running before this command; `npx saga stack down` stops it.';
      }
      throw new PartFailedError(
        'PART_UNHEALTHY',
        part,
        what,
        logFile,
        tailSinceLastStart(logFile, LOG_TAIL_LINES),
      );
    }
    if (Date.now() >= nextNote) {
      progress({ part, message: `still starting (${Math.round(waited / 1000)} s; ${result.detail})` });
      nextNote += 10_000;
    }
    await delay(Math.min(500, Math.max(50, timeoutMs - waited)));
  }
}

function formatKafkaIfNeeded(
  config: StackConfig,
  layout: StackLayout,
  state: StackState,
  java: JavaRuntime,
  progress: (p: StackProgress) => void,
): void {
  const meta = join(layout.kafkaDataDir, 'meta.properties');
  if (existsSync(meta)) {
    const id = parseMetaClusterId(readFileSync(meta, 'utf8'));
    if (id && id !== state.clusterId) {
      state.clusterId = id;
      writeState(layout.stateFile, state);
    }
    return;
  }
  const clusterId = state.clusterId ?? newClusterId();
  progress({
    part: 'kafka',
    message: `formatting storage in ${layout.kafkaDataDir} (cluster id ${clusterId})`,
  });
  // Secured mode: the SCRAM users are created in the metadata log at format time, before the broker ever runs.
  const scram = state.secure ? scramFormatArgs(secretFiles(config)) : [];
  const r = spawnSync(java.java, kafkaFormatArgs(layout, clusterId, scram), {
    cwd: layout.dataDir,
    env: config.env,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (r.status !== 0) {
    const out = redactLines(`${r.stdout ?? ''}\n${r.stderr ?? ''}`, scram)
      .trim()
      .split('\n')
      .slice(-20);
    throw new StackError(
      'KAFKA_FORMAT_FAILED',
      `Formatting Kafka's storage failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}):\n${out
        .map((l) => `  | ${l}`)
        .join(
          '\n',
        )}\nIf ${layout.kafkaDataDir} holds old data you do not need, delete it and run \`npx saga stack up\` again.`,
      { part: 'kafka' },
    );
  }
  state.clusterId = clusterId;
  writeState(layout.stateFile, state);
}

/** The format tool may echo its arguments on failure; the SCRAM passwords in them must not reach a message. */
function redactLines(text: string, scramArgs: readonly string[]): string {
  let out = text;
  for (const a of scramArgs) {
    const pw = /password=([^\]]+)\]/.exec(a)?.[1];
    if (pw) out = out.split(pw).join('[redacted]');
  }
  return out;
}

/**
 * Decides the mode of this stack dir. It sticks to the data: SCRAM users exist only in a Kafka data dir formatted
 * secured, so `up` on a secured dir stays secured, and `--secure` on a dir formatted in plain mode is refused.
 */
function resolveMode(config: StackConfig, layout: StackLayout, state: StackState, requested: boolean): void {
  const formatted = existsSync(join(layout.kafkaDataDir, 'meta.properties'));
  if (state.secure) {
    // New passwords are made only before the format binds them to the data; later a missing one is an error
    // (SECRET_MISSING when read) rather than a silently different password that no longer authenticates.
    if (!formatted) ensureSecrets(config);
    return;
  }
  if (!requested) return;
  if (formatted) {
    throw new StackError(
      'STACK_MODE_MISMATCH',
      `${config.stackDir} holds a stack formatted without security; --secure needs a fresh stack dir. Use another ` +
        'SAGA_STACK_DIR (and ports), or stop this stack and delete its data dir.',
    );
  }
  ensureSecrets(config);
  state.secure = true;
  writeState(layout.stateFile, state);
}

/**
 * Starts whatever of the local stack is not running (Kafka and Redis side by side, the registry once Kafka is
 * healthy) and waits until every wanted part is healthy. Idempotent: running parts are left alone.
 */
export async function stackUp(opts: StackUpOptions = {}): Promise<StackUpResult> {
  const config = loadStackConfig(opts.env ?? process.env);
  const layout = stackLayout(config);
  const progress = opts.onProgress ?? (() => undefined);
  const wanted = withDependencies(validateParts(opts.parts));
  prepareDirs(layout);

  return withLock(
    layout.lockFile,
    async () => {
      const state = readState(layout.stateFile);
      resolveMode(config, layout, state, opts.secure ?? config.secureRequested);
      const secure = state.secure === true;
      if (secure) {
        ensureStackTls(config);
        progress({
          part: 'stack',
          message: 'secured mode: TLS + SASL/SCRAM + ACLs (Kafka), TLS + ACL users (Redis)',
        });
      }
      const running = new Map<PartName, PartRecord>();
      for (const part of PARTS) {
        const rec = state.parts[part];
        if (rec && isSameProcess(rec)) running.set(part, rec);
        else if (rec) delete state.parts[part];
      }
      writeState(layout.stateFile, state);
      const toStart = wanted.filter((p) => !running.has(p));
      for (const [part, rec] of running) {
        if (wanted.includes(part)) progress({ part, message: `already running (pid ${rec.pid})` });
      }

      // Preflight: everything that can fail before a process starts.
      const redisServer = toStart.includes('redis') ? findRedisServer(config) : undefined;
      const needsJvm = toStart.includes('kafka') || toStart.includes('registry');
      const java = needsJvm
        ? findJava({
            minMajor: 17,
            explicitHome: config.javaHome,
            explicitVar: 'SAGA_JAVA_HOME',
            env: config.env,
          })
        : undefined;
      const java21 = toStart.includes('registry')
        ? findJava({
            minMajor: 21,
            explicitHome: config.java21Home,
            explicitVar: 'SAGA_JAVA21_HOME',
            env: config.env,
            preferNewest: true,
          })
        : undefined;
      const conflicts = await findPortConflicts(config, toStart);
      if (conflicts.length > 0) throw new PortInUseError(conflicts);
      if (java) await ensureDist(config, layout, javaHomeOf(java), progress);

      const start = async (part: PartName): Promise<void> => {
        let record = running.get(part);
        const startedNow = !record;
        if (!record) {
          let spec: LaunchSpec;
          switch (part) {
            case 'kafka': {
              const props = kafkaProperties({
                port: config.kafka.port,
                controllerPort: config.kafka.controllerPort,
                logDir: layout.kafkaDataDir,
                ...(secure ? { overrides: secureKafkaProperties(config.kafka, secretFiles(config)) } : {}),
              });
              // Secured, the file holds the admin and controller passwords: owner-only.
              if (secure) writePrivateFile(layout.kafkaProperties, props);
              else writeFileSync(layout.kafkaProperties, props);
              formatKafkaIfNeeded(config, layout, state, java!, progress);
              spec = kafkaLaunch(config, layout, java!.java);
              break;
            }
            case 'registry': {
              const confDir = join(layout.registryWorkDir, 'config');
              mkdirSync(confDir, { recursive: true, mode: 0o700 });
              const file = join(confDir, 'application.properties');
              if (secure) writePrivateFile(file, registrySecureProperties(secretFiles(config)));
              else writeFileSync(file, '# plain mode: no registry overrides\n');
              spec = registryLaunch(config, layout, java21!.java);
              break;
            }
            case 'redis': {
              let aclFile: string | undefined;
              if (secure) {
                aclFile = layout.redisAclFile;
                writePrivateFile(aclFile, redisAclFile(secretFiles(config)));
              }
              spec = redisLaunch(
                config,
                layout,
                redisServer!,
                aclFile,
                secure ? secretFiles(config).tls : undefined,
              );
              break;
            }
          }
          record = await launch(part, spec, config, layout, state);
          const where = partPorts(config, part)
            .map((p) => `${STACK_HOST}:${p.port}`)
            .join(', ');
          progress({
            part,
            message: `starting on ${where} (pid ${record.pid}, log ${layout.logFile(part)})`,
          });
        }
        await waitHealthy(part, record, startedNow, config, layout, state, progress);
      };

      const branches: Promise<void>[] = [];
      if (wanted.includes('kafka')) {
        branches.push(
          (async () => {
            await start('kafka');
            // ACLs before the registry: its kafkasql client needs them from its first request.
            if (secure) {
              const n = await applyAcls(config);
              progress({
                part: 'kafka',
                message: `ACLs in place (${n} grants for ${PRINCIPALS.length} principals)`,
              });
            }
            if (wanted.includes('registry')) await start('registry');
          })(),
        );
      }
      if (wanted.includes('redis')) branches.push(start('redis'));
      const settled = await Promise.allSettled(branches);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;

      const status = await statusOf(config, layout, state);
      return {
        started: toStart,
        alreadyRunning: wanted.filter((p) => running.has(p)),
        status,
        connection: stackConnection(config),
      };
    },
    {
      onWait: (pid) =>
        progress({ part: 'stack', message: `waiting for another saga stack command (pid ${pid}) to finish` }),
    },
  );
}

/** Stops the processes this stack started (registry before Kafka; Redis alongside), and only those. */
export async function stackDown(opts: StackDownOptions = {}): Promise<StackDownResult> {
  const config = loadStackConfig(opts.env ?? process.env);
  const layout = stackLayout(config);
  const progress = opts.onProgress ?? (() => undefined);
  const wanted = validateParts(opts.parts);
  if (!existsSync(layout.stateFile)) return { stopped: [], killed: [], notRunning: wanted };

  return withLock(layout.lockFile, async () => {
    const state = readState(layout.stateFile);
    const result: StackDownResult = { stopped: [], killed: [], notRunning: [] };
    const stop = async (part: PartName) => {
      if (!wanted.includes(part)) return;
      const rec = state.parts[part];
      if (!rec || !isSameProcess(rec)) {
        delete state.parts[part];
        writeState(layout.stateFile, state);
        result.notRunning.push(part);
        return;
      }
      progress({ part, message: `stopping (pid ${rec.pid})` });
      const outcome = await stopRecorded(rec, config.stopGraceMs);
      delete state.parts[part];
      writeState(layout.stateFile, state);
      if (outcome === 'killed') {
        progress({ part, message: `did not stop within ${config.stopGraceMs} ms; killed` });
        result.killed.push(part);
      } else {
        progress({ part, message: 'stopped' });
        result.stopped.push(part);
      }
    };
    await Promise.all([
      (async () => {
        await stop('registry');
        await stop('kafka');
      })(),
      stop('redis'),
    ]);
    const order = (a: PartName, b: PartName) => PARTS.indexOf(a) - PARTS.indexOf(b);
    result.stopped.sort(order);
    result.killed.sort(order);
    result.notRunning.sort(order);
    return result;
  });
}

async function redisVersion(config: StackConfig, secure: boolean): Promise<string | null> {
  try {
    const c = secure ? adminCredentials(config) : undefined;
    const info = await redisCommand(config.redis.port, ['INFO', 'server'], 2000, c?.redis, c && { ca: c.ca });
    return typeof info === 'string' ? serverVersion(info) : null;
  } catch {
    return null;
  }
}

async function statusOf(config: StackConfig, layout: StackLayout, state: StackState): Promise<StackStatus> {
  const connection = stackConnection(config);
  const parts = await Promise.all(
    PARTS.map(async (part): Promise<PartStatus> => {
      const rec = state.parts[part];
      const running = rec !== undefined && isSameProcess(rec);
      const secure = state.secure === true;
      const probe = await probeOf(config, part, secure)();
      let version: string | null = null;
      if (part === 'redis' && probe.ok) version = await redisVersion(config, secure);
      else if (running) version = part === 'kafka' ? config.kafka.version : config.registry.version;
      const ports = partPorts(config, part).map((p) => p.port);
      return {
        part,
        running,
        managedBy: running ? 'stack' : probe.ok ? 'external' : 'none',
        pid: running ? rec.pid : null,
        healthy: probe.ok,
        detail: probe.detail,
        port: ports[0] ?? 0,
        ports,
        endpoint:
          part === 'kafka'
            ? connection.KAFKA_BROKERS
            : part === 'registry'
              ? connection.SCHEMA_REGISTRY_URL
              : secure
                ? connection.REDIS_URL.replace(/^redis:/, 'rediss:')
                : connection.REDIS_URL,
        version,
        startedAt: running ? rec.startedAt : null,
        logFile: layout.logFile(part),
      };
    }),
  );
  return {
    stackDir: config.stackDir,
    secure: state.secure === true,
    healthy: parts.every((p) => p.healthy),
    parts,
    connection,
  };
}

/** Per part: is our process alive, does it answer its health check, where, which version. */
export async function stackStatus(opts: StackCallOptions = {}): Promise<StackStatus> {
  const config = loadStackConfig(opts.env ?? process.env);
  const layout = stackLayout(config);
  return statusOf(config, layout, readState(layout.stateFile));
}

/** The last `lines` lines of one part's log, or of every part's. */
export function stackLogs(part?: string, lines = 100, opts: StackCallOptions = {}): PartLog[] {
  const config = loadStackConfig(opts.env ?? process.env);
  const layout = stackLayout(config);
  const parts = validateParts(part === undefined ? undefined : [part]);
  return parts.map((p) => {
    const file = layout.logFile(p);
    return { part: p, file, exists: existsSync(file), lines: tailFile(file, lines) };
  });
}

/**
 * The environment a client acting as `principal` needs against this stack. Secured: SASL user and Redis ACL user
 * with passwords as *_FILE paths (the values never leave their files). Plain: just the three addresses.
 */
export function stackEnv(principal: string, opts: StackCallOptions = {}): Record<string, string> {
  const config = loadStackConfig(opts.env ?? process.env);
  const state = readState(stackLayout(config).stateFile);
  if (!isPrincipal(principal)) {
    throw new StackError(
      'UNKNOWN_PART',
      `Unknown principal "${principal}": one of ${PRINCIPALS.join(', ')}.`,
    );
  }
  if (!state.secure) return { ...stackConnection(config) };
  return principalEnv(config, principal);
}

/**
 * `unix:///…/redis.sock` when the stack's Redis listens on its Unix socket (a plaintext stack whose Redis it runs),
 * else undefined: for processes on this machine, where a round trip over the socket costs less than over loopback
 * TCP. A secured stack has no socket (TLS on its port only).
 */
export function stackRedisSocketUrl(opts: StackCallOptions = {}): string | undefined {
  const layout = stackLayout(loadStackConfig(opts.env ?? process.env));
  const url = localRedisSocketUrl(layout);
  const state = readState(layout.stateFile);
  const redis = state.parts.redis;
  if (url === undefined || state.secure || redis === undefined || !isSameProcess(redis)) return undefined;
  try {
    return statSync(layout.redisSocket!).isSocket() ? url : undefined;
  } catch {
    return undefined;
  }
}
