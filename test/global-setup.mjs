// Jest global setup of the int and e2e projects (runs once per jest run, before any test file).
//
// - KAFKA_BROKERS set in the environment: an external stack (docker compose, managed services) is used as it is;
//   nothing is started here and nothing is stopped afterwards.
// - Otherwise the local stack (`npx saga stack up` semantics: Kafka, Apicurio Registry, Redis as local processes on
//   the default ports, or the SAGA_*_PORT settings) is started if needed and leased: global-teardown.mjs stops
//   only what this run started, and not while another jest run on this machine still uses it.
//   SAGA_STACK_KEEP=1 leaves it running afterwards (faster reruns; `npx saga stack down` stops it).
import { existsSync } from 'node:fs';

const STATE = Symbol.for('saga.test.stack');

async function loadStack() {
  const url = new URL('../packages/stack/dist/index.js', import.meta.url);
  if (!existsSync(url)) {
    throw new Error('packages/stack is not built: run `npm run build` (or `npm ci`, which builds) first.');
  }
  // The stack's probes make kafkajs clients: without this, Node 22+ prints kafkajs' TimeoutNegativeWarning here.
  const messaging = new URL('../packages/messaging/dist/index.js', import.meta.url);
  if (existsSync(messaging)) (await import(messaging.href)).patchKafkajsRequestQueue();
  return import(url.href);
}

/** external (KAFKA_BROKERS), containers (testcontainers, when a runtime answers) or local (processes). */
async function chooseMode() {
  const testkit = new URL('../packages/testkit/dist/index.js', import.meta.url);
  const { selectTestMode, CHOSEN_TEST_MODE_ENV } = await import(testkit.href);
  const choice = await selectTestMode({
    env: process.env,
    containerRuntimeAvailable: async () => {
      const { containerRuntimeAvailable } = await import(
        new URL('../packages/testkit/dist/containers.js', import.meta.url).href
      );
      return containerRuntimeAvailable();
    },
  });
  // Read by testkit's testModeIs() in the workers, which inherit this process' environment.
  process.env[CHOSEN_TEST_MODE_ENV] = choice.mode;
  return choice;
}

export default async function globalSetup() {
  if (globalThis[STATE]) return; // already done in this jest process
  const choice = await chooseMode();
  console.log(`\n[stack] test mode: ${choice.mode} (${choice.why})`);
  const external = choice.mode === 'external';
  const state = { external, leased: false, containers: undefined };
  globalThis[STATE] = state;

  if (choice.mode === 'containers') {
    const { startContainerStack } = await import(
      new URL('../packages/testkit/dist/containers.js', import.meta.url).href
    );
    state.containers = await startContainerStack();
    for (const [name, value] of Object.entries(state.containers.env)) process.env[name] = value;
    console.log(`[stack] containers up: ${Object.values(state.containers.env).join(' ')}`);
  } else if (external) {
    console.log(
      `\n[stack] KAFKA_BROKERS=${process.env.KAFKA_BROKERS}: using that stack; starting and stopping nothing`,
    );
  } else {
    const { acquireStack } = await loadStack();
    const t0 = Date.now();
    process.stdout.write('\n');
    try {
      const { up } = await acquireStack({
        onProgress: (p) => console.log(`[stack] [${p.part}] ${p.message}`),
      });
      state.leased = true;
      // Tests, workers and prepare-stack.mjs connect to exactly this stack.
      for (const [name, value] of Object.entries(up.connection)) process.env[name] = value;
      const started = up.started.length > 0 ? `started ${up.started.join(', ')}` : 'already running';
      console.log(`[stack] ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (${started})`);
    } catch (err) {
      // An expected stack error says what to do; print it without a stack trace and fail the run.
      if (err && typeof err.code === 'string') {
        console.error(`\n[stack] the local stack did not come up [${err.code}]:\n${err.message}\n`);
      }
      throw err;
    }
  }

  // ---- Topics and schemas -------------------------------------------------------------------------------------
  // test/prepare-stack.mjs (owned by the contracts/messaging side) creates topics and registers schemas, idempotently.
  // It runs for an external stack too: its topics and subjects must exist there as well.
  const prepare = new URL('./prepare-stack.mjs', import.meta.url);
  if (existsSync(prepare)) {
    const { default: prepareStack } = await import(prepare.href);
    if (typeof prepareStack === 'function') await prepareStack({ external });
  }
}
