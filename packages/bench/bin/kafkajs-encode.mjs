#!/usr/bin/env node
// Usage: node packages/bench/bin/kafkajs-encode.mjs [requests per round, default 3000]
// CPU per record of kafkajs' produce-request encoding, with kafkajs' own encoder and with the runtime's patch
// (packages/messaging/src/kafkajs-encoder.ts), alternating, three rounds each. A request holds 108 records of 600 B
// with the saga's 5 headers (6 topics x 6 partitions x 3 records), as a node's produce round at ~1,000 sagas/s.
// Needs `npx turbo run build` first. See BENCHMARKS.md (session 9).
import { createRequire } from 'node:module';
import { randomBytes, randomUUID } from 'node:crypto';
import { patchKafkajsEncoder, unpatchKafkajsEncoder } from '../../messaging/dist/kafkajs-encoder.js';

const require = createRequire(new URL('../../messaging/package.json', import.meta.url));
const produceV3 = require('kafkajs/src/protocol/requests/produce/v3/request');
const n = Number(process.argv[2] ?? 3000);
const value = randomBytes(600);
const records = (count) =>
  Array.from({ length: count }, (_, i) => ({
    key: `order-${i}-${randomUUID()}`,
    value,
    headers: {
      'saga-event-type': 'PaymentAuthorized',
      'saga-event-id': randomUUID(),
      'saga-order-id': randomUUID(),
      'saga-correlation-id': randomUUID(),
      traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
    },
  }));
const topicData = [0, 1, 2, 3, 4, 5].map((t) => ({
  topic: `saga.t${t}`,
  partitions: [0, 1, 2, 3, 4, 5].map((partition) => ({ partition, firstSequence: 0, messages: records(3) })),
}));
const perRequest = 108;

async function round() {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const request = produceV3({
      acks: -1,
      timeout: 30_000,
      compression: 0,
      topicData,
      producerId: 1,
      producerEpoch: 0,
    });
    await request.encode();
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / (n * perRequest);
}

for (let r = 1; r <= 3; r++) {
  unpatchKafkajsEncoder();
  const theirs = await round();
  if (!patchKafkajsEncoder()) throw new Error('kafkajs is not the release the patch is for');
  const ours = await round();
  console.log(`round ${r}: kafkajs ${theirs.toFixed(1)} µs/record, patched ${ours.toFixed(1)} µs/record`);
}
