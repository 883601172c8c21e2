/**
 * Summarises a V8 .cpuprofile (what `node --cpu-prof` writes): self time per function and per package, so the
 * hot spots of a service can be read without DevTools. Pure: the caller reads the file.
 */

export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
    hitCount?: number;
  }[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  selfMs: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Time not idle: what the process actually spent on the CPU (GC and VM work included). */
  busyMs: number;
  functions: SelfTime[];
  packages: SelfTime[];
}

/** `node_modules/kafkajs/src/...` → kafkajs; `node:internal/...` → node; our own code → its workspace path. */
export function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node (internals)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : rest[0]!;
  }
  const m = /\/(packages|services)\/([^/]+)\//.exec(url);
  return m ? `${m[1]}/${m[2]}` : url;
}

function frameName(f: CpuProfile['nodes'][number]['callFrame']): string {
  const file = f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(packages|services)\//, '$1/');
  return f.url === ''
    ? f.functionName || '(anonymous)'
    : `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
}

function top(map: Map<string, number>, busyMs: number, limit: number): SelfTime[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, ms]) => ({
      name,
      selfMs: Math.round(ms),
      percent: busyMs > 0 ? Math.round((ms / busyMs) * 1000) / 10 : 0,
    }));
}

export function summariseProfile(p: CpuProfile, limit = 25): ProfileSummary {
  const selfUs = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  if (samples.length > 0) {
    // timeDeltas[i] is the time before sample i; the time after a sample (the next delta) is what it stands for.
    for (let i = 0; i < samples.length; i++) {
      const us = deltas[i + 1] ?? deltas[i] ?? 0;
      selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + us);
    }
  } else {
    const hits = p.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
    const per = hits > 0 ? (p.endTime - p.startTime) / hits : 0;
    for (const n of p.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * per);
  }
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let busyUs = 0;
  for (const n of p.nodes) {
    const us = selfUs.get(n.id) ?? 0;
    if (us === 0 || n.callFrame.functionName === '(idle)') continue;
    busyUs += us;
    const fn = frameName(n.callFrame);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us / 1000);
    const pkg = packageOf(n.callFrame.url, n.callFrame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us / 1000);
  }
  const busyMs = busyUs / 1000;
  return {
    totalMs: Math.round((p.endTime - p.startTime) / 1000),
    busyMs: Math.round(busyMs),
    functions: top(byFunction, busyMs, limit),
    packages: top(byPackage, busyMs, limit),
  };
}
