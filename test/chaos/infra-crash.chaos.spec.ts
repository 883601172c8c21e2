/**
 * Scenarios 3, 4 and 5: the broker, Redis and the schema registry SIGKILLed under load and restarted through the stack (`saga stack up
 * <part>`). Services must reconnect by themselves; Redis comes back from its append-only file.
 */
import { SystemUnderTest } from '../support/system.js';
import { SagaDriver } from '../support/saga-driver.js';
import { crashScenario } from './support/infra.js';
import { CHAOS_TIMEOUT_MS } from './support/scenario.js';

let system: SystemUnderTest;
let saga: SagaDriver;

beforeAll(async () => {
  system = new SystemUnderTest({ timeScale: 0.01, basePort: 3720 });
  await system.start();
  saga = await SagaDriver.connect();
});

afterAll(async () => {
  await saga?.close();
  await system?.stop();
});

describe('chaos: infrastructure', () => {
  it(
    '3. the Kafka broker SIGKILLed mid-load and restarted: services reconnect, nothing lost',
    () => crashScenario(system, saga, '3 SIGKILL the Kafka broker', 'kafka'),
    CHAOS_TIMEOUT_MS,
  );

  it(
    '4. Redis SIGKILLed mid-load and restarted from its AOF: state survives, nothing lost',
    () => crashScenario(system, saga, '4 SIGKILL Redis (AOF everysec)', 'redis'),
    CHAOS_TIMEOUT_MS,
  );

  it(
    '5. the schema registry SIGKILLed mid-load and restarted: serdes cope (cached ids), nothing lost',
    () => crashScenario(system, saga, '5 SIGKILL the schema registry', 'registry'),
    CHAOS_TIMEOUT_MS,
  );
});
