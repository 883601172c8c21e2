#!/usr/bin/env node
// Per-hop latency of recent sagas from Kafka record timestamps: for each order, the time from each event to the
// next one in the saga (by record timestamp), grouped by "A → B". Usage: node hops.mjs [--since-s 60]
import { loadConnectionConfig, createEventClient } from '../../messaging/dist/index.js';

const sinceS = Number(process.argv[process.argv.indexOf('--since-s') + 1]) || 60;
const from = Date.now() - sinceS * 1000;
const client = await createEventClient(loadConnectionConfig(), { clientId: 'hops' });
const topics = ['order-requests', 'orders', 'payments', 'inventory', 'shipping'];
const records = await client.readAll(topics, (r) => r.timestamp >= from && r.key !== null);
await client.close();
const byOrder = new Map();
for (const r of records) {
  const type = r.headers['saga-event-type'] ?? 'OrderRequested';
  const list = byOrder.get(r.key) ?? [];
  list.push({ type, t: r.timestamp });
  byOrder.set(r.key, list);
}
const hops = new Map();
for (const list of byOrder.values()) {
  list.sort((a, b) => a.t - b.t);
  for (let i = 1; i < list.length; i++) {
    const k = `${list[i - 1].type} → ${list[i].type}`;
    const v = hops.get(k) ?? [];
    v.push(list[i].t - list[i - 1].t);
    hops.set(k, v);
  }
}
const pct = (v, p) => v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))];
console.log(`${records.length} records, ${byOrder.size} orders since ${new Date(from).toISOString()}`);
for (const [k, v] of [...hops].sort((a, b) => b[1].length - a[1].length)) {
  v.sort((a, b) => a - b);
  if (v.length < 10) continue;
  console.log(
    `${k.padEnd(58)} n=${String(v.length).padStart(6)}  p50 ${pct(v, 50)} ms  p90 ${pct(v, 90)} ms  p99 ${pct(v, 99)} ms`,
  );
}
