#!/usr/bin/env node
// `npm start`: install if needed, build, bring the local stack up (unless KAFKA_BROKERS points elsewhere), run the
// four services as supervised processes with prefixed logs, and stop what it started on Ctrl-C.
// Flags: --keep-stack (leave the stack running on exit), --time-scale <x> (SAGA_TIME_SCALE for the services),
// --node (or SAGA_DEPLOY=node): one saga-node process (apps/saga-node: the four services in one process and one
// consumer group, on :3000) instead of the four service processes.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const keepStack = args.includes('--keep-stack');
const tsIdx = args.indexOf('--time-scale');
const timeScale = tsIdx >= 0 ? args[tsIdx + 1] : process.env.SAGA_TIME_SCALE;
const deploy = args.includes('--node') ? 'node' : (process.env.SAGA_DEPLOY ?? 'services');
if (deploy !== 'node' && deploy !== 'services') {
  console.error(`npm start: SAGA_DEPLOY must be node or services, not ${deploy}`);
  process.exit(2);
}
const serviceEntry = (name) => join(ROOT, 'services', name, 'dist', 'main.js');
// [name, port, color, entry point]: what runs, each a supervised process.
const PROCESSES =
  deploy === 'node'
    ? [['saga-node', 3000, '\x1b[34m', join(ROOT, 'apps', 'saga-node', 'dist', 'main.js')]]
    : [
        ['order', 3000, '\x1b[36m', serviceEntry('order')],
        ['payment', 3001, '\x1b[35m', serviceEntry('payment')],
        ['inventory', 3002, '\x1b[33m', serviceEntry('inventory')],
        ['shipping', 3003, '\x1b[32m', serviceEntry('shipping')],
      ];
const RESET = '\x1b[0m';

function run(cmd, cmdArgs, what) {
  const r = spawnSync(cmd, cmdArgs, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`npm start: ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

if (!existsSync(join(ROOT, 'node_modules'))) run('npm', ['install'], 'npm install');
if (PROCESSES.some(([, , , entry]) => !existsSync(entry))) {
  run('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], 'build');
}

const external = Boolean(process.env.KAFKA_BROKERS);
let stackStartedHere = false;
if (!external) {
  const before = spawnSync(
    process.execPath,
    [join(ROOT, 'packages/cli/bin/saga.js'), 'stack', 'status', '--json'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  let wasHealthy = false;
  try {
    const parts = JSON.parse(before.stdout).parts ?? [];
    wasHealthy = parts.length > 0 && parts.every((p) => p.healthy);
  } catch {
    wasHealthy = false;
  }
  run(process.execPath, [join(ROOT, 'packages/cli/bin/saga.js'), 'stack', 'up'], 'saga stack up');
  stackStartedHere = !wasHealthy;
}
// On the local stack the services reach Redis by its Unix socket unless REDIS_URL says otherwise: a round trip
// over it costs less CPU than over loopback TCP (BENCHMARKS.md, session 11). The bench starts its nodes the same way.
const { stackRedisSocketUrl } = await import(pathToFileURL(join(ROOT, 'packages/stack/dist/index.js')).href);
const redisSocketUrl = external || process.env.REDIS_URL ? undefined : stackRedisSocketUrl();
run(process.execPath, [join(ROOT, 'packages/cli/bin/saga.js'), 'topics', 'create'], 'saga topics create');
run(
  process.execPath,
  [join(ROOT, 'packages/cli/bin/saga.js'), 'contracts', 'register'],
  'saga contracts register',
);

const children = new Map();
let stopping = false;

function prefixLines(name, color, stream, out) {
  let buf = '';
  stream.on('data', (chunk) => {
    buf += chunk.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      out.write(`${color}${name.padEnd(9)}${RESET}| ${buf.slice(0, i)}\n`);
      buf = buf.slice(i + 1);
    }
  });
}

function startProcess(name, port, color, entry, restarts = 0) {
  // saga-node's young generation as in compose and the bench (SAGA_NODE_ARGS in packages/bench/src/system.ts).
  const nodeArgs = name === 'saga-node' ? ['--max-semi-space-size=64'] : [];
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      HTTP_PORT: String(port),
      ...(redisSocketUrl ? { REDIS_URL: redisSocketUrl } : {}),
      SAGA_LOG_PRETTY: process.stdout.isTTY ? 'true' : 'false',
      ...(timeScale ? { SAGA_TIME_SCALE: timeScale } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  prefixLines(name, color, child.stdout, process.stdout);
  prefixLines(name, color, child.stderr, process.stderr);
  children.set(name, child);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    const delay = Math.min(30_000, 500 * 2 ** restarts);
    console.error(
      `${color}${name}${RESET} exited (${signal ?? code}); restarting in ${delay} ms (restart #${restarts + 1})`,
    );
    setTimeout(() => startProcess(name, port, color, entry, restarts + 1), delay);
  });
}

async function waitReady(timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (const [name, port] of PROCESSES) {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/health/ready`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`${name} did not become ready within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping services (draining in-flight work)…');
  await Promise.all(
    [...children.values()].map(
      (c) =>
        new Promise((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', resolve);
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 15_000).unref();
        }),
    ),
  );
  if (stackStartedHere && !keepStack) {
    spawnSync(process.execPath, [join(ROOT, 'packages/cli/bin/saga.js'), 'stack', 'down'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  } else if (!external) {
    console.log('the stack keeps running (npx saga stack down stops it)');
  }
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

for (const [name, port, color, entry] of PROCESSES) startProcess(name, port, color, entry);
waitReady().then(
  () => {
    const where =
      deploy === 'node'
        ? 'saga-node (order, payment, inventory, shipping in one process) http://127.0.0.1:3000'
        : 'order http://127.0.0.1:3000, payment :3001, inventory :3002, shipping :3003';
    console.log(`
✔ ready: ${where} (GET /health/ready)

Try, in another terminal:
  npx saga order place --sku SKU-APPLE --quantity 1 --amount 4200 --currency EUR --card tok_approve --wait
  npx saga order place --sku SKU-APPLE --quantity 1 --amount 4200 --currency EUR --card tok_insufficient_funds --wait
  npx saga stock get SKU-APPLE

Ctrl-C stops the services${stackStartedHere && !keepStack ? ' and the stack' : ''}.`);
  },
  (err) => {
    console.error(`npm start: ${err.message}`);
    void shutdown(1);
  },
);
