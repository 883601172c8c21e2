import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import kafkajs from 'kafkajs';
import { STACK_HOST } from './config.js';

const { Kafka, logLevel } = kafkajs;

/** Resolves true when a TCP connection to host:port opens within the timeout. */
export function canConnect(port: number, host = STACK_HOST, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolveConnect(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Encodes a command in RESP (what redis-cli sends). */
export function encodeRespCommand(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const a of args) parts.push(`$${Buffer.byteLength(a)}\r\n${a}\r\n`);
  return Buffer.from(parts.join(''));
}

export type RespValue = string | number | null | RespValue[] | Error;

/** Parses one RESP reply from the start of `buf`; undefined when it is not complete yet. */
export function parseRespReply(buf: Buffer, offset = 0): { value: RespValue; next: number } | undefined {
  const eol = buf.indexOf('\r\n', offset);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[offset] ?? 0);
  const line = buf.toString('utf8', offset + 1, eol);
  const after = eol + 2;
  switch (type) {
    case '+':
      return { value: line, next: after };
    case '-':
      return { value: new Error(line), next: after };
    case ':':
      return { value: Number(line), next: after };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, next: after };
      if (buf.length < after + len + 2) return undefined;
      return { value: buf.toString('utf8', after, after + len), next: after + len + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, next: after };
      const items: RespValue[] = [];
      let pos = after;
      for (let i = 0; i < n; i++) {
        const item = parseRespReply(buf, pos);
        if (!item) return undefined;
        items.push(item.value);
        pos = item.next;
      }
      return { value: items, next: pos };
    }
    default:
      return { value: new Error(`unexpected RESP type '${type}'`), next: after };
  }
}

/** A Redis ACL user (secured stack); sent as AUTH before the command. */
export interface RedisAuth {
  username: string;
  password: string;
}

/** TLS towards a secured part: the CA (PEM text) its certificate must chain to. */
export interface StackTls {
  ca: string;
}

/**
 * Sends one command to Redis on loopback and returns its reply (an Error value for a Redis error reply). With
 * `auth`, AUTH is pipelined first; a failed AUTH is returned as its error reply (which never echoes the password).
 * With `tls`, the connection is TLS and the server must present a certificate of that CA (else the call rejects).
 */
export function redisCommand(
  port: number,
  args: readonly string[],
  timeoutMs = 2000,
  auth?: RedisAuth,
  tls?: StackTls,
): Promise<RespValue> {
  return new Promise((resolveReply, reject) => {
    const socket: Socket = tls
      ? tlsConnect({ port, host: STACK_HOST, ca: tls.ca })
      : connect({ port, host: STACK_HOST });
    let buf = Buffer.alloc(0);
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () =>
      fail(new Error(`redis on port ${port} did not answer in ${timeoutMs} ms`)),
    );
    socket.once('error', fail);
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      if (auth) socket.write(encodeRespCommand(['AUTH', auth.username, auth.password]));
      socket.write(encodeRespCommand(args));
    });
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      let reply = parseRespReply(buf);
      if (reply && auth) {
        if (reply.value instanceof Error) {
          socket.destroy();
          resolveReply(reply.value);
          return;
        }
        reply = parseRespReply(buf, reply.next);
      }
      if (reply) {
        socket.destroy();
        resolveReply(reply.value);
      }
    });
  });
}

export interface Probe {
  ok: boolean;
  /** Why not, for messages. */
  detail: string;
}

export async function probeRedis(port: number, auth?: RedisAuth, tls?: StackTls): Promise<Probe> {
  try {
    const reply = await redisCommand(port, ['PING'], 2000, auth, tls);
    if (reply === 'PONG') return { ok: true, detail: 'PONG' };
    return { ok: false, detail: reply instanceof Error ? reply.message : `PING answered ${String(reply)}` };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

/** GET <path> on loopback; resolves the status code and body (bodies are small here). */
export function httpGet(
  port: number,
  path: string,
  timeoutMs = 3000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolveGet, reject) => {
    const req = request(
      { host: STACK_HOST, port, path, method: 'GET', agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolveGet({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export async function probeRegistry(port: number): Promise<Probe> {
  try {
    const res = await httpGet(port, '/apis/ccompat/v7/subjects');
    return res.status === 200 ? { ok: true, detail: '200' } : { ok: false, detail: `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

/** Kafka is healthy when its listener accepts a connection and the cluster metadata answers with a controller. */
export async function probeKafka(
  port: number,
  sasl?: { mechanism: 'scram-sha-512'; username: string; password: string },
  tls?: StackTls,
): Promise<Probe & { clusterId?: string }> {
  if (!(await canConnect(port))) return { ok: false, detail: `nothing listens on ${STACK_HOST}:${port}` };
  const admin = new Kafka({
    clientId: 'saga-stack-health',
    brokers: [`${STACK_HOST}:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1500,
    requestTimeout: 3000,
    retry: { retries: 0 },
    ...(sasl ? { sasl } : {}),
    ...(tls ? { ssl: { ca: [tls.ca] } } : {}),
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0 || cluster.controller === null || cluster.controller < 0) {
      return { ok: false, detail: 'the cluster has no active controller yet' };
    }
    return { ok: true, detail: `cluster ${cluster.clusterId}`, clusterId: cluster.clusterId };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
