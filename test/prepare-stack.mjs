// Called by the jest global setup once the stack answers: topics and schemas, exactly as `npx saga topics create`
// and `npx saga contracts register` would do them. Idempotent.
import { loadConnectionConfig, provision } from '../packages/messaging/dist/index.js';

export default async function prepareStack() {
  const result = await provision(loadConnectionConfig());
  if (result.topicsCreated.length > 0)
    console.log(`[test] created topics: ${result.topicsCreated.join(', ')}`);
}
