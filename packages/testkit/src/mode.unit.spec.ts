import { CHOSEN_TEST_MODE_ENV, selectTestMode, testModeIs } from './mode.js';

const probe = (answer: boolean) => {
  const calls: number[] = [];
  return { calls, fn: () => (calls.push(1), Promise.resolve(answer)) };
};

describe('test mode selection', () => {
  it('uses an external stack when KAFKA_BROKERS is set, without probing for containers', async () => {
    const p = probe(true);
    const r = await selectTestMode({ env: { KAFKA_BROKERS: 'kafka:9092' }, containerRuntimeAvailable: p.fn });
    expect(r.mode).toBe('external');
    expect(p.calls).toHaveLength(0);
  });

  it('uses containers when a runtime answers', async () => {
    expect((await selectTestMode({ env: {}, containerRuntimeAvailable: probe(true).fn })).mode).toBe(
      'containers',
    );
  });

  it('falls back to the local stack when no runtime answers (this CI machine)', async () => {
    const r = await selectTestMode({ env: {}, containerRuntimeAvailable: probe(false).fn });
    expect(r).toEqual({ mode: 'local', why: 'no container runtime found' });
  });

  it('honours SAGA_TEST_MODE and rejects unknown values', async () => {
    const p = probe(true);
    expect(
      (await selectTestMode({ env: { SAGA_TEST_MODE: 'local' }, containerRuntimeAvailable: p.fn })).mode,
    ).toBe('local');
    expect(p.calls).toHaveLength(0);
    await expect(
      selectTestMode({ env: { SAGA_TEST_MODE: 'vm' }, containerRuntimeAvailable: p.fn }),
    ).rejects.toThrow(/local or containers/);
  });
});

describe('testModeIs', () => {
  it('answers from the mode the global setup chose', () => {
    expect(testModeIs('local', { [CHOSEN_TEST_MODE_ENV]: 'local' })).toBe(true);
    expect(testModeIs('local', { [CHOSEN_TEST_MODE_ENV]: 'external' })).toBe(false);
    expect(testModeIs('containers', { [CHOSEN_TEST_MODE_ENV]: 'containers' })).toBe(true);
  });

  it('throws rather than skipping when no mode was chosen or the value is unknown', () => {
    expect(() => testModeIs('local', {})).toThrow(/SAGA_TEST_MODE_CHOSEN is not set/);
    expect(() => testModeIs('local', { [CHOSEN_TEST_MODE_ENV]: 'vm' })).toThrow(/must be one of/);
  });
});
