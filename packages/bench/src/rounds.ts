import { RoundMetricNames } from '@saga/messaging';

/** Sums and counts of the round metrics one process exposed at one moment (all groups and label sets added up). */
export interface RoundSample {
  fetchSeconds: number;
  fetches: number;
  records: number;
  batches: number;
  processSeconds: number;
  sendSeconds: number;
}

export const NO_ROUNDS: Readonly<RoundSample> = Object.freeze({
  fetchSeconds: 0,
  fetches: 0,
  records: 0,
  batches: 0,
  processSeconds: 0,
  sendSeconds: 0,
});

/** Per process over the measured window: how its consumer's fetch rounds went (means, not percentiles). */
export interface RoundFigures {
  fetchesPerS: number;
  fetchMs: number;
  batchesPerS: number;
  recordsPerBatch: number;
  processMs: number;
  sendMs: number;
}

const FIELDS: Record<string, keyof RoundSample> = {
  [`${RoundMetricNames.fetch}_sum`]: 'fetchSeconds',
  [`${RoundMetricNames.fetch}_count`]: 'fetches',
  [`${RoundMetricNames.batchRecords}_sum`]: 'records',
  [`${RoundMetricNames.batchRecords}_count`]: 'batches',
};
const PHASE_SUM = `${RoundMetricNames.phase}_sum`;

/** Reads the round metrics out of a Prometheus text exposition; undefined when the process exposes none. */
export function parseRoundSample(text: string): RoundSample | undefined {
  const s: RoundSample = { ...NO_ROUNDS };
  let seen = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('saga_consumer_')) continue;
    const name = line.slice(0, line.search(/[{ ]/));
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(value)) continue;
    const field = FIELDS[name];
    if (field) {
      s[field] += value;
      seen = true;
    } else if (name === PHASE_SUM) {
      if (line.includes('phase="process"')) s.processSeconds += value;
      else if (line.includes('phase="send"')) s.sendSeconds += value;
      seen = true;
    }
  }
  return seen ? s : undefined;
}

const r1 = (n: number): number => Math.round(n * 10) / 10;
const r2 = (n: number): number => Math.round(n * 100) / 100;
const per = (a: number, b: number): number => (b > 0 ? a / b : 0);

export function roundFigures(start: RoundSample, end: RoundSample, windowS: number): RoundFigures {
  const fetches = end.fetches - start.fetches;
  const batches = end.batches - start.batches;
  return {
    fetchesPerS: r1(per(fetches, windowS)),
    fetchMs: r2(per(end.fetchSeconds - start.fetchSeconds, fetches) * 1000),
    batchesPerS: r1(per(batches, windowS)),
    recordsPerBatch: r1(per(end.records - start.records, batches)),
    processMs: r2(per(end.processSeconds - start.processSeconds, batches) * 1000),
    sendMs: r2(per(end.sendSeconds - start.sendSeconds, batches) * 1000),
  };
}

/** One scrape of every process' `/metrics`; a process that does not answer (or has no consumer) is left out. */
export async function sampleRounds(ports: ReadonlyMap<string, number>): Promise<Map<string, RoundSample>> {
  const out = new Map<string, RoundSample>();
  await Promise.all(
    [...ports].map(async ([name, port]) => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2_000) });
        const sample = res.ok ? parseRoundSample(await res.text()) : undefined;
        if (sample) out.set(name, sample);
      } catch {
        // figures are a diagnosis, not the result: a missed scrape leaves that process out
      }
    }),
  );
  return out;
}

/** Figures for the processes sampled at both ends of the window. */
export function roundsOver(
  start: ReadonlyMap<string, RoundSample>,
  end: ReadonlyMap<string, RoundSample>,
  windowS: number,
): Record<string, RoundFigures> {
  const out: Record<string, RoundFigures> = {};
  for (const [name, s] of start) {
    const e = end.get(name);
    if (e) out[name] = roundFigures(s, e, windowS);
  }
  return out;
}
