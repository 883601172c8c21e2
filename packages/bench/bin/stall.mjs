#!/usr/bin/env node
// Where a slow stretch sits: per second of the last N seconds and per partition, the worst hop latency (by record
// timestamps) of the hops that ended in that second. A stall of one consumer shows as the partitions it owns.
// Usage: node stall.mjs [--since-s 120]
import { loadConnectionConfig, createEventClient } from '../../messaging/dist/index.js';

const sinceS = Number(process.argv[process.argv.indexOf('--since-s') + 1]) || 120;
const from = Date.now() - sinceS * 1000;
const client = await createEventClient(loadConnectionConfig(), { clientId: 'stall' });
const topics = ['order-requests', 'orders', 'payments', 'inventory', 'shipping'];
const records = await client.readAll(topics, (r) => r.timestamp >= from && r.key !== null);
await client.close();
const byOrder = new Map();
for (const r of records) {
  const list = byOrder.get(r.key) ?? [];
  list.push({ t: r.timestamp, p: r.partition, topic: r.topic });
  byOrder.set(r.key, list);
}
const t0 = records.reduce((m, r) => Math.min(m, r.timestamp), Infinity);
const worst = new Map(); // second -> Map(partition -> worst hop ms)
const hopsBy = new Map();
for (const list of byOrder.values()) {
  list.sort((a, b) => a.t - b.t);
  for (let i = 1; i < list.length; i++) {
    const s = Math.floor((list[i].t - t0) / 1000);
    const m = worst.get(s) ?? new Map();
    const key = list[i].p;
    m.set(key, Math.max(m.get(key) ?? 0, list[i].t - list[i - 1].t));
    worst.set(s, m);
    hopsBy.set(s, (hopsBy.get(s) ?? 0) + 1);
  }
}
const parts = [...new Set(records.map((r) => r.partition))].sort((a, b) => a - b);
console.log(`${records.length} records since ${new Date(t0).toISOString()}; worst hop ms per partition`);
console.log(`   s  hops/s  ${parts.map((p) => `p${p}`.padStart(6)).join('')}`);
for (const s of [...worst.keys()].sort((a, b) => a - b)) {
  const m = worst.get(s);
  console.log(
    `${String(s).padStart(4)}  ${String(hopsBy.get(s)).padStart(6)}  ${parts.map((p) => String(m.get(p) ?? '-').padStart(6)).join('')}`,
  );
}
