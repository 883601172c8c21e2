import { logLevel } from 'kafkajs';
import { levelFor } from './kafka.js';

describe('kafkajs log levels', () => {
  it('demotes routine rebalance chatter to debug', () => {
    expect(
      levelFor(
        logLevel.ERROR,
        'Response Heartbeat(key: 12, version: 3)',
        'The group is rebalancing, so a rejoin is needed',
      ),
    ).toBe('debug');
    expect(levelFor(logLevel.WARN, 'The group is rebalancing, re-joining', undefined)).toBe('debug');
  });

  it('keeps real errors as errors', () => {
    expect(levelFor(logLevel.ERROR, 'Connection error', 'connect ECONNREFUSED 127.0.0.1:19092')).toBe(
      'error',
    );
  });
});
