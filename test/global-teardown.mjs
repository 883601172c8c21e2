// Jest global teardown of the int and e2e projects: releases the lease global-setup.mjs took. The parts a test run
// started are stopped by the last run on this machine to finish; an external stack (KAFKA_BROKERS) or one started
// by hand (`npx saga stack up`) is never stopped. SAGA_STACK_KEEP=1 keeps everything running.
const STATE = Symbol.for('saga.test.stack');

export default async function globalTeardown() {
  const state = globalThis[STATE];
  if (state?.containers) {
    await state.containers.stop();
    state.containers = undefined;
    console.log('[stack] containers stopped');
  }
  if (!state?.leased) return;
  state.leased = false;
  const { releaseStack } = await import(new URL('../packages/stack/dist/index.js', import.meta.url).href);
  const keep = ['1', 'true', 'yes'].includes((process.env.SAGA_STACK_KEEP ?? '').toLowerCase());
  const result = await releaseStack({
    keep,
    onProgress: (p) => console.log(`[stack] [${p.part}] ${p.message}`),
  });
  const stopped = [...result.stopped, ...result.killed];
  if (stopped.length > 0) console.log(`[stack] stopped ${stopped.join(', ')}`);
  else if (result.othersStillUsing > 0)
    console.log(`[stack] left running: ${result.othersStillUsing} other run(s) use it`);
  else if (keep) console.log('[stack] left running (SAGA_STACK_KEEP); `npx saga stack down` stops it');
}
