#!/usr/bin/env node
// Kafka client side by side: a relay micro-benchmark of kafkajs 2.2.4 against @platformatic/kafka 1.x (issue #5).
//
//   source (open loop, this process, kafkajs) → topic A (6 partitions)
//     → relay (child process, the client under test: consumer group, one record to B per input, idempotent
//       producer with acks=all, offsets committed only after the produce is acked, one commit per 200 ms)
//     → topic B (6 partitions) → sink (this process, kafkajs) measuring latency = sink receive time − source timestamp
//
// The relay has the runtime's semantics (packages/messaging): consumer with sessionTimeout 10 s, heartbeat 1 s,
// maxWait 50 ms, 256 KB per partition, autocommit off; output goes through the runtime's own CoalescingSender (one
// request in flight; what arrives meanwhile goes out together right after it; requests ≤ 768 KB), and the last
// acked offset per partition is committed for all partitions in one request every 200 ms (the runtime's
// OffsetCommitter). Both are imported from @saga/messaging (built: `npm run build`). kafkajs consumes
// with eachBatch + partitionsConsumedConcurrently 64 (a batch holds its partition until its output is acked);
// platformatic consumes a MessagesStream and pauses it while more than --max-unacked records await their ack.
// The source and the sink are the same kafkajs code for every client, so only the relay differs. The source stamps
// each record with its *scheduled* send time (open loop: a late source shows up as latency, not as less load);
// the relay copies that timestamp into a `src-ts` header. Every source record carries a `seq` header: the sink
// counts unique, duplicate and missing records (delivered must equal produced). `--clients none` skips the
// relay (the sink reads A): the harness' own floor.
//
// Reported per run: offered/s, delivered/s (unique records received at the sink while the source ran ÷ duration),
// p50/p99/max latency (HDR histogram, every record incl. those drained after the source stopped), relay CPU ms per
// relayed record (utime+stime of /proc/<relay pid>/stat between the source's start and the end of the drain),
// broker CPU ms/record (same, for the Kafka JVM: includes anyone else's traffic), records
// produced/delivered/duplicates/missing, relay errors and rebalances, committed-offset lag of the relay group at
// the end (must be 0), and the 1-minute load average before and after.
//
// Topics `cmp-<client>-<rate>-<ts>-a/b` and groups `cmp-…-relay/sink` are created and deleted by the tool.
// Never starts or stops Kafka: it uses the running one (KAFKA_BROKERS, default 127.0.0.1:19092, plaintext).
//
// Usage (from the repo root):
//   node packages/bench/bin/client-compare.mjs [--clients kafkajs,platformatic] [--rates 500,2000,5000]
//        [--duration 20] [--value-bytes 600] [--keys 10000] [--partitions 6] [--drain-s 30]
//        [--max-unacked 2000] [--pause-s 5] [--json results.json]
// Runs are sequential (one pipeline at a time); clients alternate within each rate, in the order given.
// (Runs A–C in BENCHMARKS.md used the runtime's former 1 ms-linger sender; run D's `--sender drain`, a
// request taking everything queued when its turn comes, is how the runtime's sender works now, and the only mode.)
// Requires Node ≥ 20.19.4 for @platformatic/kafka 1.x (a devDependency of @saga/bench).

import { fork } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import hdr from 'hdr-histogram-js';
import kafkajs from 'kafkajs';
import { chunkRecords, CoalescingSender, DEFAULT_COMMIT_INTERVAL_MS, OffsetCommitter } from '@saga/messaging';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const { Kafka, logLevel } = kafkajs;

const { values: opt } = parseArgs({
  options: {
    role: { type: 'string', default: 'main' },
    client: { type: 'string', default: '' },
    clients: { type: 'string', default: 'kafkajs,platformatic' },
    rates: { type: 'string', default: '500,2000,5000' },
    duration: { type: 'string', default: '20' },
    'value-bytes': { type: 'string', default: '600' },
    keys: { type: 'string', default: '10000' },
    partitions: { type: 'string', default: '6' },
    'drain-s': { type: 'string', default: '30' },
    'max-unacked': { type: 'string', default: '2000' },
    'pause-s': { type: 'string', default: '5' },
    json: { type: 'string', default: '' },
    in: { type: 'string', default: '' },
    out: { type: 'string', default: '' },
    group: { type: 'string', default: '' },
  },
});

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const COMMIT_INTERVAL_MS = DEFAULT_COMMIT_INTERVAL_MS;
const CONSUMER = {
  sessionTimeout: 10_000,
  heartbeatInterval: 1_000,
  maxWaitMs: 50,
  maxBytesPerPartition: 256 * 1024,
};

// ---------------------------------------------------------------------------------------------------------------
// Shared by both relays: the runtime's own sender, offset committer and request chunking (@saga/messaging, built).

/** `produce` one request at a time, each under the broker's size limit, as the runtime does. */
const runtimeSender = (produce) =>
  new CoalescingSender(async (records) => {
    for (const c of chunkRecords(records)) await produce(c);
  });

/** The runtime's committer; `fail` on a failed commit (the runtime logs it and retries at the next interval). */
const runtimeCommitter = (commit, fail) =>
  new OffsetCommitter(commit, COMMIT_INTERVAL_MS, { warn: ({ err }) => fail('commit', err) });

// ---------------------------------------------------------------------------------------------------------------
// Relay child process: --role relay --client kafkajs|platformatic --in A --out B --group G

async function relayKafkajs(stats, fail) {
  const kafka = new Kafka({
    clientId: 'cmp-relay',
    brokers: BROKERS,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 8 },
    logCreator:
      () =>
      ({ level, log }) => {
        // Warnings are printed, not counted (e.g. "Limiting retries for the idempotent producer…", which the
        // runtime's retry config { retries: 8 } also triggers); errors are counted.
        if (level === logLevel.ERROR) fail('kafkajs', new Error(`${log.message} ${log.error ?? ''}`));
        else process.stderr.write(`[relay kafkajs warn] ${log.message} ${log.error ?? ''}\n`);
      },
  });
  const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
  await producer.connect();
  const consumer = kafka.consumer({
    groupId: opt.group,
    sessionTimeout: CONSUMER.sessionTimeout,
    heartbeatInterval: CONSUMER.heartbeatInterval,
    maxWaitTimeInMs: CONSUMER.maxWaitMs,
    maxBytesPerPartition: CONSUMER.maxBytesPerPartition,
    allowAutoTopicCreation: false,
  });
  const sender = runtimeSender((records) =>
    producer.sendBatch({ acks: -1, topicMessages: [{ topic: opt.out, messages: records }] }),
  );
  const committer = runtimeCommitter((offsets) => consumer.commitOffsets(offsets), fail);
  let joined;
  const ready = new Promise((r) => (joined = r));
  consumer.on(consumer.events.GROUP_JOIN, () => {
    stats.joins++;
    committer.reset();
    joined();
  });
  consumer.on(consumer.events.CRASH, (e) => fail('crash', e.payload.error));
  await consumer.connect();
  await consumer.subscribe({ topic: opt.in, fromBeginning: true });
  committer.start();
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 64,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (batch.messages.length === 0) return;
      const out = batch.messages.map((m) => ({
        key: m.key,
        value: m.value,
        headers: { ...m.headers, 'src-ts': m.timestamp },
      }));
      await sender.send(out);
      if (!isRunning() || isStale()) return;
      stats.relayed += out.length;
      resolveOffset(batch.lastOffset());
      committer.acked(batch.topic, batch.partition, batch.lastOffset());
      await heartbeat();
    },
  });
  await ready;
  return async () => {
    await consumer.stop();
    await committer.flush();
    committer.stop();
    await consumer.disconnect();
    await producer.disconnect();
  };
}

async function relayPlatformatic(stats, fail) {
  const { Consumer, Producer } = await import('@platformatic/kafka');
  const producer = new Producer({
    clientId: 'cmp-relay-producer',
    bootstrapBrokers: BROKERS,
    idempotent: true, // forces acks = ALL and one request in flight per broker
    autocreateTopics: false,
  });
  const consumer = new Consumer({
    clientId: 'cmp-relay-consumer',
    bootstrapBrokers: BROKERS,
    groupId: opt.group,
    autocommit: false,
    sessionTimeout: CONSUMER.sessionTimeout,
    heartbeatInterval: CONSUMER.heartbeatInterval,
    maxWaitTime: CONSUMER.maxWaitMs,
    maxBytesPerPartition: CONSUMER.maxBytesPerPartition,
    minBytes: 1,
  });
  for (const c of [producer, consumer]) c.on('error', (err) => fail('client error', err));
  consumer.on('consumer:heartbeat:error', (p) => fail('heartbeat', p.error));
  const sender = runtimeSender((records) =>
    producer.send({ messages: records.map((r) => ({ ...r, topic: opt.out })), acks: -1 }),
  );
  const committer = runtimeCommitter(
    (offsets) =>
      consumer.commit({
        offsets: offsets.map((o) => ({ ...o, offset: BigInt(o.offset), leaderEpoch: -1 })),
      }),
    fail,
  );
  consumer.on('consumer:group:join', () => {
    stats.joins++;
    committer.reset();
  });
  const stream = await consumer.consume({
    topics: [opt.in],
    mode: 'committed',
    fallbackMode: 'earliest',
    autocommit: false,
    sessionTimeout: CONSUMER.sessionTimeout,
    heartbeatInterval: CONSUMER.heartbeatInterval,
    maxWaitTime: CONSUMER.maxWaitMs,
    maxBytesPerPartition: CONSUMER.maxBytesPerPartition,
    minBytes: 1,
  });
  stream.on('error', (err) => fail('stream', err));
  const maxUnacked = Number(opt['max-unacked']);
  let unacked = 0;
  let paused = false;
  let taken = [];
  let scheduled = false;
  const handOver = () => {
    scheduled = false;
    const msgs = taken;
    taken = [];
    const last = new Map();
    const out = msgs.map((m) => {
      const headers = new Map(m.headers);
      headers.set(Buffer.from('src-ts'), Buffer.from(String(m.timestamp)));
      last.set(m.partition, m.offset); // offsets of one partition arrive in order
      return { key: m.key, value: m.value, headers };
    });
    sender.send(out).then(
      () => {
        stats.relayed += out.length;
        for (const [partition, offset] of last) committer.acked(opt.in, partition, offset.toString());
        unacked -= out.length;
        if (paused && unacked < maxUnacked / 2) {
          paused = false;
          stream.resume();
        }
      },
      (err) => fail('produce', err),
    );
  };
  stream.on('data', (m) => {
    taken.push(m);
    if (++unacked > maxUnacked && !paused) {
      paused = true;
      stream.pause();
    }
    if (!scheduled) {
      scheduled = true;
      setImmediate(handOver);
    }
  });
  committer.start();
  while (!consumer.assignments?.length) await delay(20);
  return async () => {
    await stream.close();
    while (unacked > 0) await delay(10);
    await committer.flush();
    committer.stop();
    await consumer.close();
    await producer.close();
  };
}

async function relayMain() {
  const stats = { relayed: 0, errors: 0, joins: 0, firstErrors: [] };
  const fail = (what, err) => {
    stats.errors++;
    const msg = `${what}: ${err?.message ?? err}`;
    if (stats.firstErrors.length < 5) stats.firstErrors.push(msg);
    process.stderr.write(`[relay ${opt.client}] ${msg}\n`);
  };
  const stop =
    opt.client === 'kafkajs' ? await relayKafkajs(stats, fail) : await relayPlatformatic(stats, fail);
  const report = (type) => process.send({ type, ...stats, cpu: process.cpuUsage() });
  report('ready');
  process.on('message', (m) => {
    if (m.type === 'snap') report('snap');
    if (m.type === 'stop') {
      stop()
        .catch((err) => fail('stop', err))
        .finally(() => {
          report('stopped');
          process.disconnect();
          setTimeout(() => process.exit(0), 200).unref();
        });
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Main process: topics, source, sink, relay child, measurements.

const TICKS = 100; // getconf CLK_TCK on Linux
function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS;
  } catch {
    return NaN;
  }
}

function brokerPid() {
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const argv = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if (argv[0].endsWith('java') && argv.includes('kafka.Kafka')) return Number(e);
    } catch {
      /* gone */
    }
  }
  return undefined;
}

function startRelay(client, inTopic, outTopic, group) {
  const child = fork(
    new URL(import.meta.url).pathname,
    ['--role', 'relay', '--client', client, '--in', inTopic, '--out', outTopic, '--group', group],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const waiters = new Map();
  child.on('message', (m) => {
    waiters.get(m.type)?.(m);
    waiters.delete(m.type);
  });
  const ask = (send, type, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`relay: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
      waiters.set(type, (m) => {
        clearTimeout(t);
        resolve(m);
      });
      if (send) child.send({ type: send });
    });
  const exited = new Promise((r) => child.on('exit', (code) => r(code)));
  return { child, ask, exited };
}

async function runOne(kafka, admin, client, rate, cfg) {
  const tag = `cmp-${client}-${rate}-${Date.now()}`;
  const topicA = `${tag}-a`;
  const topicB = `${tag}-b`;
  const sinkTopic = client === 'none' ? topicA : topicB;
  const total = Math.round(rate * cfg.duration);
  await admin.createTopics({
    waitForLeaders: true,
    topics: [topicA, topicB].map((topic) => ({ topic, numPartitions: cfg.partitions, replicationFactor: 1 })),
  });
  const res = {
    client,
    offered: rate,
    duration: cfg.duration,
    load1Before: loadavg()[0],
  };
  let relay;
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const sink = kafka.consumer({
    groupId: `${tag}-sink`,
    maxWaitTimeInMs: 20,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  try {
    if (client !== 'none') {
      relay = startRelay(client, topicA, topicB, `${tag}-relay`);
      await relay.ask(undefined, 'ready', 60_000);
    }
    // Sink: unique/duplicate count by seq, latency of each record's first delivery.
    const seen = new Uint8Array(total);
    const hist = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000,
      numberOfSignificantValueDigits: 3,
      autoResize: true,
      useWebAssembly: false,
    });
    const sk = { unique: 0, dups: 0, inWindow: 0, tEnd: Infinity, lastAt: 0 };
    let sinkJoined;
    const sinkReady = new Promise((r) => (sinkJoined = r));
    sink.on(sink.events.GROUP_JOIN, () => sinkJoined());
    await sink.connect();
    await sink.subscribe({ topic: sinkTopic, fromBeginning: true });
    await sink.run({
      partitionsConsumedConcurrently: cfg.partitions,
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) {
          const seq = Number(m.headers.seq.toString());
          if (seen[seq]) {
            sk.dups++;
            continue;
          }
          seen[seq] = 1;
          sk.unique++;
          if (now <= sk.tEnd) sk.inWindow++;
          const ts = Number(m.headers['src-ts']?.toString() ?? m.timestamp);
          hist.recordValue(Math.max(1, now - ts));
        }
        sk.lastAt = now;
      },
    });
    await sinkReady;
    await producer.connect();

    // Source: open loop, every 5 ms sends what is due; records carry their scheduled time.
    const value = Buffer.alloc(cfg.valueBytes, 'x');
    const keys = Array.from({ length: cfg.keys }, (_, i) => `id-${i}`);
    const src = { sent: 0, acked: 0, failed: 0, maxBehindMs: 0 };
    const inflight = new Set();
    const relayCpu0 = relay ? cpuMs(relay.child.pid) : NaN;
    const bpid = brokerPid();
    const brokerCpu0 = bpid ? cpuMs(bpid) : NaN;
    const snap0 = relay ? await relay.ask('snap', 'snap') : undefined;
    const t0 = Date.now() + 20;
    sk.tEnd = t0 + cfg.duration * 1000;
    await new Promise((resolve) => {
      const timer = setInterval(() => {
        const now = Date.now();
        const due = Math.min(total, Math.floor(((now - t0) * rate) / 1000));
        if (due > src.sent) {
          const messages = [];
          for (let i = src.sent; i < due; i++) {
            messages.push({
              key: keys[Math.floor(Math.random() * keys.length)],
              value,
              timestamp: String(Math.round(t0 + (i * 1000) / rate)),
              headers: { seq: String(i) },
            });
          }
          src.maxBehindMs = Math.max(src.maxBehindMs, now - Number(messages[0].timestamp));
          src.sent = due;
          const p = producer
            .send({ topic: topicA, acks: -1, messages })
            .then(
              () => (src.acked += messages.length),
              (err) => {
                src.failed += messages.length;
                process.stderr.write(`[source] ${err.message}\n`);
              },
            )
            .finally(() => inflight.delete(p));
          inflight.add(p);
        }
        if (src.sent >= total) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    await Promise.all(inflight);
    // Drain: until every acked record arrived, or nothing arrived for drain-s seconds.
    for (;;) {
      if (sk.unique >= src.acked) break;
      if (Date.now() - Math.max(sk.lastAt, sk.tEnd) > cfg.drainS * 1000) break;
      await delay(50);
    }
    res.drainMs = Math.max(0, sk.lastAt - sk.tEnd);
    await delay(300); // late duplicates, if any
    const relayCpu1 = relay ? cpuMs(relay.child.pid) : NaN;
    const brokerCpu1 = bpid ? cpuMs(bpid) : NaN;
    const snap1 = relay ? await relay.ask('snap', 'snap') : undefined;
    res.load1After = loadavg()[0];
    Object.assign(res, {
      produced: src.acked,
      sourceFailed: src.failed,
      sourceMaxBehindMs: src.maxBehindMs,
      delivered: sk.unique,
      duplicates: sk.dups,
      missing: src.acked - sk.unique,
      deliveredPerS: Math.round(sk.inWindow / cfg.duration),
      p50: hist.getValueAtPercentile(50),
      p99: hist.getValueAtPercentile(99),
      max: hist.maxValue,
    });
    if (relay) {
      const relayed = snap1.relayed - snap0.relayed;
      const childCpu = (snap1.cpu.user + snap1.cpu.system - snap0.cpu.user - snap0.cpu.system) / 1000;
      Object.assign(res, {
        relayed,
        relayCpuMsPerRecord: +((relayCpu1 - relayCpu0) / Math.max(1, relayed)).toFixed(3),
        relayCpuMsPerRecordSelf: +(childCpu / Math.max(1, relayed)).toFixed(3),
        relayCpuPctOfCore: +(((relayCpu1 - relayCpu0) / (Date.now() - t0)) * 100).toFixed(1),
        relayErrors: snap1.errors,
        relayJoins: snap1.joins,
        relayFirstErrors: snap1.firstErrors,
      });
    }
    res.brokerCpuMsPerRecord = +((brokerCpu1 - brokerCpu0) / Math.max(1, src.acked)).toFixed(3);
  } finally {
    await producer.disconnect().catch(() => undefined);
    await sink.disconnect().catch(() => undefined);
    if (relay) {
      const stopped = await relay.ask('stop', 'stopped', 30_000).catch((err) => {
        relay.child.kill('SIGKILL');
        return { errors: NaN, firstErrors: [err.message] };
      });
      res.relayErrors = stopped.errors;
      res.relayFirstErrors = stopped.firstErrors;
      await relay.exited;
    }
    if (relay && res.produced !== undefined) {
      // Committed offsets of the relay group must have reached the end of A.
      const ends = await admin.fetchTopicOffsets(topicA);
      const [committed] = await admin.fetchOffsets({ groupId: `${tag}-relay`, topics: [topicA] });
      res.commitLag = ends.reduce((sum, e) => {
        const c = committed.partitions.find((p) => p.partition === e.partition);
        return sum + Number(e.offset) - Math.max(0, Number(c?.offset ?? 0));
      }, 0);
    }
    await admin.deleteTopics({ topics: [topicA, topicB] }).catch(() => undefined);
    await admin.deleteGroups([`${tag}-relay`, `${tag}-sink`]).catch(() => undefined);
  }
  return res;
}

async function main() {
  const cfg = {
    duration: Number(opt.duration),
    valueBytes: Number(opt['value-bytes']),
    keys: Number(opt.keys),
    partitions: Number(opt.partitions),
    drainS: Number(opt['drain-s']),
  };
  const clients = opt.clients.split(',').filter(Boolean);
  const rates = opt.rates.split(',').map(Number);
  // Versions as installed (package.json next to the resolved entry point; platformatic exports no package.json).
  const pkg = (name, up) =>
    JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.resolve(name)), 'utf8')).version;
  const versions = {
    kafkajs: pkg('kafkajs', './'),
    platformatic: pkg('@platformatic/kafka', '../'),
    none: '',
  };
  console.log(
    `machine: ${cpus().length} cores ${cpus()[0]?.model.trim()}, node ${process.version}, brokers ${BROKERS.join(',')}; ` +
      `kafkajs ${versions.kafkajs}, @platformatic/kafka ${versions.platformatic}; ` +
      `${cfg.duration} s per run, ${cfg.valueBytes}-byte values, ${cfg.keys} keys, ${cfg.partitions} partitions`,
  );
  const kafka = new Kafka({ clientId: 'cmp', brokers: BROKERS, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  const results = [];
  try {
    for (const rate of rates) {
      for (const client of clients) {
        const r = await runOne(kafka, admin, client, rate, cfg);
        r.version = versions[client];
        results.push(r);
        console.log(JSON.stringify(r));
        await delay(Number(opt['pause-s']) * 1000);
      }
    }
  } finally {
    await admin.disconnect();
  }
  console.log(
    '\n| client | offered/s | delivered/s | p50 ms | p99 ms | max ms | relay CPU ms/record | relay CPU % of a core | broker CPU ms/record | produced / delivered / dup | relay errors, joins | commit lag | load 1m before→after |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---|');
  for (const r of results) {
    console.log(
      `| ${r.client} ${r.version} | ${r.offered} | ${r.deliveredPerS} | ${r.p50} | ${r.p99} | ${r.max} | ` +
        `${r.relayCpuMsPerRecord ?? '-'} | ${r.relayCpuPctOfCore ?? '-'} | ${r.brokerCpuMsPerRecord} | ` +
        `${r.produced} / ${r.delivered} / ${r.duplicates} | ${r.relayErrors ?? '-'}, ${r.relayJoins ?? '-'} | ` +
        `${r.commitLag ?? '-'} | ${r.load1Before.toFixed(1)}→${r.load1After.toFixed(1)} |`,
    );
  }
  if (opt.json) writeFileSync(opt.json, JSON.stringify(results, null, 2));
}

if (opt.role === 'relay') await relayMain();
else await main();
