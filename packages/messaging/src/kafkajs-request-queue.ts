import { createRequire } from 'node:module';
import { kafkajsVersion, PATCHED_KAFKAJS_VERSION } from './kafkajs-encoder.js';

interface RequestQueueInstance {
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  pending: unknown[];
  checkPendingRequests: () => void;
}

/** The part of kafkajs' internal `RequestQueue` (`kafkajs/src/network/requestQueue/index.js`) the patch replaces. */
export interface KafkajsRequestQueueClass {
  prototype: { scheduleCheckPendingRequests: (this: RequestQueueInstance) => void };
}

/** kafkajs' CHECK_PENDING_REQUESTS_INTERVAL (same file). */
const CHECK_PENDING_REQUESTS_INTERVAL = 10;

const originals = new WeakMap<
  object,
  KafkajsRequestQueueClass['prototype']['scheduleCheckPendingRequests']
>();

/**
 * kafkajs' own method, with the delay it asks for clamped to 1 ms. After every response it arms a timer for
 * `throttledUntil - Date.now()`, which is about minus the epoch when the broker never throttled (`throttledUntil` is
 * -1). Node has always run such a timer after 1 ms; Node 22 and later also print a `TimeoutNegativeWarning` for it
 * (kafkajs#1751, unfixed in 2.2.4). So this is the same schedule, without the warning.
 */
function scheduleCheckPendingRequests(this: RequestQueueInstance): void {
  let scheduleAt = this.throttledUntil - Date.now();
  if (!this.throttleCheckTimeoutId) {
    if (this.pending.length > 0) {
      scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL;
    }
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      Math.max(1, scheduleAt),
    );
  }
}

/** Applied once per process, to kafkajs 2.2.4 only (another release is left alone). Returns whether it is applied. */
export function patchKafkajsRequestQueue(
  RequestQueue: KafkajsRequestQueueClass = loadRequestQueue(),
  version: string = kafkajsVersion(),
): boolean {
  if (originals.has(RequestQueue)) return true;
  if (version !== PATCHED_KAFKAJS_VERSION) return false;
  const original = RequestQueue.prototype.scheduleCheckPendingRequests;
  if (typeof original !== 'function') return false;
  originals.set(RequestQueue, original);
  RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  return true;
}

const require = createRequire(import.meta.url);

export function loadRequestQueue(): KafkajsRequestQueueClass {
  return require('kafkajs/src/network/requestQueue') as KafkajsRequestQueueClass;
}
