/**
 * Every path of the reference flow, end to end: the four services run as separate processes against the real
 * Kafka, registry and Redis; the test is a client that publishes `OrderRequested` and reads what happened.
 * Retry delays run at SAGA_TIME_SCALE=0.01 (the reference's policies, a hundred times faster).
 */
import { SystemUnderTest } from '../support/system.js';
import { SagaDriver } from '../support/saga-driver.js';
import { describeSagaPaths } from '../support/saga-paths.js';

let system: SystemUnderTest;
let saga: SagaDriver;

beforeAll(async () => {
  system = new SystemUnderTest({ timeScale: 0.01, basePort: 3100 });
  await system.start();
  saga = await SagaDriver.connect();
});

afterAll(async () => {
  await saga?.close();
  await system?.stop();
});

describeSagaPaths('the order saga, path by path', () => saga);
