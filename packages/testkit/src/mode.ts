/**
 * Where the int and e2e tiers get Kafka, the registry and Redis from:
 * - `external`: KAFKA_BROKERS is set (docker compose, managed services): use it, start nothing;
 * - `containers`: a container runtime answers (testcontainers' own check): pinned images via testcontainers;
 * - `local`: the local stack of processes (`npx saga stack up`), the only mode this project's CI machine has.
 * SAGA_TEST_MODE=local|containers forces one.
 */
export const TestModes = { external: 'external', containers: 'containers', local: 'local' } as const;
export type TestMode = (typeof TestModes)[keyof typeof TestModes];

export interface ModeInput {
  env: Record<string, string | undefined>;
  /** Probed lazily: only asked when the environment does not decide. */
  containerRuntimeAvailable: () => Promise<boolean>;
}

export interface ModeChoice {
  mode: TestMode;
  why: string;
}

export async function selectTestMode({ env, containerRuntimeAvailable }: ModeInput): Promise<ModeChoice> {
  if (env.KAFKA_BROKERS?.trim()) return { mode: 'external', why: `KAFKA_BROKERS=${env.KAFKA_BROKERS}` };
  const forced = env.SAGA_TEST_MODE?.trim().toLowerCase();
  if (forced === 'local') return { mode: 'local', why: 'SAGA_TEST_MODE=local' };
  if (forced === 'containers') return { mode: 'containers', why: 'SAGA_TEST_MODE=containers' };
  if (forced) throw new Error(`SAGA_TEST_MODE must be local or containers, got "${forced}"`);
  if (await containerRuntimeAvailable()) return { mode: 'containers', why: 'a container runtime answered' };
  return { mode: 'local', why: 'no container runtime found' };
}

/** Set by the int/e2e global setup (test/global-setup.mjs) to the mode it chose, for the test workers to read. */
export const CHOSEN_TEST_MODE_ENV = 'SAGA_TEST_MODE_CHOSEN';

/**
 * Whether this jest run's stack is of `mode`, for a test that only holds there (one that needs the local stack's
 * files, say): `(testModeIs('local') ? describe : describe.skip)(...)`. Throws when no global setup chose a mode, so
 * a misconfigured run fails instead of skipping.
 */
export function testModeIs(mode: TestMode, env: Record<string, string | undefined> = process.env): boolean {
  const chosen = env[CHOSEN_TEST_MODE_ENV];
  if (chosen === undefined) {
    throw new Error(`${CHOSEN_TEST_MODE_ENV} is not set: int and e2e tests run under test/global-setup.mjs`);
  }
  if (!Object.values<string>(TestModes).includes(chosen)) {
    throw new Error(
      `${CHOSEN_TEST_MODE_ENV} must be one of ${Object.values(TestModes).join(', ')}, got "${chosen}"`,
    );
  }
  return chosen === mode;
}
