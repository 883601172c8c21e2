/**
 * Scenarios 3n and 4n: the single-process deployment (two saga-nodes, one consumer group for all four services)
 * under the infrastructure faults of scenarios 3 and 4 — the broker, then Redis, SIGKILLed under load and restarted.
 * Both nodes must reconnect by themselves, and nothing may be lost or done twice.
 */
import { SystemUnderTest } from '../support/system.js';
import { SagaDriver } from '../support/saga-driver.js';
import { crashScenario } from './support/infra.js';
import { CHAOS_TIMEOUT_MS } from './support/scenario.js';

let system: SystemUnderTest;
let saga: SagaDriver;

beforeAll(async () => {
  system = new SystemUnderTest({ deploy: 'node', nodes: 2, timeScale: 0.01, basePort: 3960 });
  await system.start();
  saga = await SagaDriver.connect();
});

afterAll(async () => {
  await saga?.close();
  await system?.stop();
});

describe('chaos: saga-node (two nodes) under infrastructure faults', () => {
  it(
    '3n. the Kafka broker SIGKILLed mid-load and restarted: both nodes reconnect, nothing lost',
    () => crashScenario(system, saga, '3n saga-node x2: SIGKILL the Kafka broker', 'kafka'),
    CHAOS_TIMEOUT_MS,
  );

  it(
    '4n. Redis SIGKILLed mid-load and restarted from its AOF: nothing lost or done twice',
    () => crashScenario(system, saga, '4n saga-node x2: SIGKILL Redis (AOF everysec)', 'redis'),
    CHAOS_TIMEOUT_MS,
  );
});
