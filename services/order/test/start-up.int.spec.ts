/**
 * A service whose saga state would expire before the records it consumes refuses to start, against the real broker
 * (its topics keep records 24 h on the local stack, 7 days under compose): a re-read record whose state had expired
 * would act twice.
 */
import { describe, expect, it } from '@jest/globals';
import { loadServiceConfig, RETENTION_TOO_SHORT, startService } from '@saga/messaging';
import { orderService } from '../src/index.js';

describe('order service start-up', () => {
  it('refuses to start with SAGA_RETENTION_S shorter than its topics keep their records', async () => {
    const config = { ...loadServiceConfig('order'), httpPort: 0, retentionMs: 3_600_000 };
    await expect(startService(orderService, config)).rejects.toMatchObject({
      code: RETENTION_TOO_SHORT,
      message: expect.stringContaining('order-requests ('),
    });
  });
});
