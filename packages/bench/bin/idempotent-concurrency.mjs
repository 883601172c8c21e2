#!/usr/bin/env node
// Usage: node packages/bench/bin/idempotent-concurrency.mjs [concurrent sends, default 2] [topic, default orders]
// Against the running stack: 300 rounds of N concurrent one-record sends (acks=all) on ONE idempotent producer, every
// 10 ms, first with kafkajs 2.2.4, then with @platformatic/kafka 1.x. Prints each client's round latency, or the error
// that ended it. The service host publishes from many handlers at once through one producer, so a client swap needs
// this to work (BENCHMARKS.md, session 9). Requires `npx saga stack up` and `npx saga topics create`.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../package.json', import.meta.url));
const { Kafka, logLevel } = require('kafkajs');
const { Producer } = await import(require.resolve('@platformatic/kafka'));
const brokers = [process.env.KAFKA_BROKERS ?? '127.0.0.1:19092'];
const concurrency = Number(process.argv[2] ?? 2);
const topic = process.argv[3] ?? 'orders';
const value = Buffer.alloc(600, 1);

async function measure(name, send) {
  const latencies = [];
  try {
    for (let i = 0; i < 300; i++) {
      const started = performance.now();
      await Promise.all(Array.from({ length: concurrency }, (_, j) => send(Buffer.from(`k${i}-${j}`))));
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    latencies.sort((a, b) => a - b);
    const at = (q) => latencies[Math.floor(q * (latencies.length - 1))].toFixed(2);
    console.log(`${name}: ${concurrency} concurrent sends x 300, round p50 ${at(0.5)} ms, p90 ${at(0.9)} ms`);
  } catch (err) {
    const causes = (err.errors ?? []).flatMap((e) => [e, ...(e.errors ?? [])]).map((e) => e.message);
    console.log(
      `${name}: failed after ${latencies.length} rounds: ${err.message} ${[...new Set(causes)].join('; ')}`,
    );
  }
}

const kafkajs = new Kafka({ clientId: 'idempotence-check', brokers, logLevel: logLevel.NOTHING }).producer({
  idempotent: true,
});
await kafkajs.connect();
await measure('kafkajs', (key) =>
  kafkajs.sendBatch({ acks: -1, topicMessages: [{ topic, messages: [{ key, value }] }] }),
);
await kafkajs.disconnect();

const platformatic = new Producer({
  clientId: 'idempotence-check',
  bootstrapBrokers: brokers,
  idempotent: true,
});
await measure('platformatic', (key) => platformatic.send({ messages: [{ topic, key, value }], acks: -1 }));
await platformatic.close();
