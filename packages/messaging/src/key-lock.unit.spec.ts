import { describe, expect, it } from '@jest/globals';
import { KeyLock } from './key-lock.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('KeyLock', () => {
  it('runs work of one key in arrival order, one at a time, and other keys alongside', async () => {
    const lock = new KeyLock();
    const log: string[] = [];
    const gate: Record<string, () => void> = {};
    const job = (key: string, name: string) =>
      lock.run(key, async () => {
        log.push(`start ${name}`);
        await new Promise<void>((resolve) => (gate[name] = resolve));
        log.push(`end ${name}`);
        return name;
      });
    const a1 = job('a', 'a1');
    const a2 = job('a', 'a2');
    const b1 = job('b', 'b1');
    await tick();
    expect(log).toEqual(['start a1', 'start b1']);
    gate.a1!();
    await tick();
    expect(log).toEqual(['start a1', 'start b1', 'end a1', 'start a2']);
    gate.a2!();
    gate.b1!();
    await expect(Promise.all([a1, a2, b1])).resolves.toEqual(['a1', 'a2', 'b1']);
    expect(lock.size).toBe(0);
  });

  it('releases the key when work fails', async () => {
    const lock = new KeyLock();
    await expect(lock.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run('a', () => Promise.resolve(2))).resolves.toBe(2);
    expect(lock.size).toBe(0);
  });
});
