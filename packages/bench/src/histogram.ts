import hdr from 'hdr-histogram-js';

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/**
 * Latencies in milliseconds, stored as whole microseconds in an HDR histogram (3 significant digits: 0.1 %
 * error at any magnitude, constant memory however many sagas run). Pure JS, no WebAssembly: it needs no async
 * init and records a few thousand values per second at most.
 */
export class LatencyHistogram {
  private readonly h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000, // one hour in µs; autoResize covers anything longer
    numberOfSignificantValueDigits: 3,
    autoResize: true,
    useWebAssembly: false,
  });

  record(ms: number): void {
    this.h.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.h.totalCount;
  }

  /**
   * Value at a percentile (0-100) in ms; 0 when empty. HDR answers with the top of the value's bucket, which
   * can lie just above the largest value recorded, so it is capped at the max to keep p99.9 ≤ max.
   */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    return round1(Math.min(this.h.getValueAtPercentile(p), this.h.maxValue) / 1000);
  }

  reset(): void {
    this.h.reset();
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: this.percentile(100),
    };
  }
}
