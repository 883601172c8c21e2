import { describe, expect, it, jest } from '@jest/globals';
import { loadRequestQueue, patchKafkajsRequestQueue } from './kafkajs-request-queue.js';

type Queue = {
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  pending: unknown[];
  checkPendingRequests: () => void;
};

const queue = (over: Partial<Queue> = {}): Queue => ({
  throttledUntil: -1,
  throttleCheckTimeoutId: null,
  pending: [],
  checkPendingRequests: jest.fn<() => void>(),
  ...over,
});

const schedule = (q: Queue): void => loadRequestQueue().prototype.scheduleCheckPendingRequests.call(q);

describe("kafkajs' request queue, patched", () => {
  it('is patched on kafkajs 2.2.4 only', () => {
    expect(patchKafkajsRequestQueue()).toBe(true);
    const other = { prototype: { scheduleCheckPendingRequests: () => undefined } };
    expect(patchKafkajsRequestQueue(other, '2.3.0')).toBe(false);
    expect(other.prototype.scheduleCheckPendingRequests).not.toBe(
      loadRequestQueue().prototype.scheduleCheckPendingRequests,
    );
  });

  it('arms the never-throttled check after 1 ms, as Node did, without a TimeoutNegativeWarning', async () => {
    patchKafkajsRequestQueue();
    const spy = jest.spyOn(globalThis, 'setTimeout');
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const q = queue();
      schedule(q);
      expect(spy).toHaveBeenLastCalledWith(expect.any(Function), 1);
      schedule(q); // one timer at a time
      expect(spy).toHaveBeenCalledTimes(1);
      await new Promise((resolve) => setTimeout(resolve, 20)); // real timers: Node warns on the next tick
      expect(q.checkPendingRequests).toHaveBeenCalledTimes(1);
      expect(q.throttleCheckTimeoutId).toBeNull();
    } finally {
      process.off('warning', onWarning);
      spy.mockRestore();
    }
    expect(warnings.map((w) => w.name)).not.toContain('TimeoutNegativeWarning');
  });

  it("keeps kafkajs' delays: the throttle's end, or 10 ms with requests pending", () => {
    patchKafkajsRequestQueue();
    jest.useFakeTimers({ now: 1_000_000 });
    const spy = jest.spyOn(globalThis, 'setTimeout');
    try {
      schedule(queue({ throttledUntil: 1_000_250 }));
      expect(spy).toHaveBeenLastCalledWith(expect.any(Function), 250);
      schedule(queue({ pending: [{}] }));
      expect(spy).toHaveBeenLastCalledWith(expect.any(Function), 10);
    } finally {
      spy.mockRestore();
      jest.useRealTimers();
    }
  });
});
