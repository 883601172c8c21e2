import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors.js';
import { findOnPath, isExecutableFile } from './system.js';

/** Extracts the major version from `java -version` output ("1.8.0_292" is 8, "17.0.15" is 17, "21" is 21). */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const m = /version "([0-9]+)(?:\.([0-9]+))?[^"]*"/.exec(versionOutput);
  if (!m?.[1]) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] ? Number(m[2]) : first;
}

export interface JavaRuntime {
  /** Path to the java binary. */
  java: string;
  major: number;
  /** Where it was found, for messages: "SAGA_JAVA21_HOME", "PATH", "/usr/lib/jvm", ... */
  source: string;
}

const majorCache = new Map<string, number | undefined>();

function javaMajorOf(javaBin: string): number | undefined {
  if (majorCache.has(javaBin)) return majorCache.get(javaBin);
  const r = spawnSync(javaBin, ['-version'], { encoding: 'utf8', timeout: 30_000 });
  const major = r.status === 0 ? parseJavaMajor(`${r.stderr}\n${r.stdout}`) : undefined;
  majorCache.set(javaBin, major);
  return major;
}

export interface FindJavaOptions {
  minMajor: number;
  /** An explicit JDK home from a SAGA_* variable: when set, it must fit, no other candidate is tried. */
  explicitHome: string | undefined;
  explicitVar: string;
  env: NodeJS.ProcessEnv;
  /** Directories holding JDKs (each subdirectory a JDK home). */
  jvmRoots?: readonly string[];
  /** Prefer the newest JDK found instead of PATH/JAVA_HOME first. */
  preferNewest?: boolean;
}

/** Lists java binaries under the JVM roots, e.g. /usr/lib/jvm/temurin-25-jdk-amd64/bin/java. */
function jvmRootCandidates(roots: readonly string[]): string[] {
  const out: string[] = [];
  for (const root of roots) {
    let entries: string[];
    try {
      entries = readdirSync(root).sort();
    } catch {
      continue;
    }
    for (const e of entries) {
      const bin = join(root, e, 'bin', 'java');
      if (isExecutableFile(bin)) out.push(bin);
    }
  }
  return out;
}

/**
 * Finds a java binary of at least `minMajor`: the explicit home if given, else JAVA_HOME, PATH and the JDKs under
 * /usr/lib/jvm. Throws JAVA_NOT_FOUND / JAVA21_NOT_FOUND with what was found and what to install.
 */
export function findJava(opts: FindJavaOptions): JavaRuntime {
  const code = opts.minMajor >= 21 ? 'JAVA21_NOT_FOUND' : 'JAVA_NOT_FOUND';
  const install =
    opts.minMajor >= 21
      ? `install a JDK ${opts.minMajor} or newer under /usr/lib/jvm (e.g. Temurin 21 or 25) or set ${opts.explicitVar}=<its home>`
      : `install one (\`apt-get install -y openjdk-17-jdk-headless\`) or set ${opts.explicitVar}=<a JDK home>`;
  if (opts.explicitHome) {
    const bin = join(opts.explicitHome, 'bin', 'java');
    const major = isExecutableFile(bin) ? javaMajorOf(bin) : undefined;
    if (major === undefined) {
      throw new StackError(
        code,
        `${opts.explicitVar}=${opts.explicitHome} has no working bin/java; ${install}.`,
      );
    }
    if (major < opts.minMajor) {
      throw new StackError(
        code,
        `${opts.explicitVar}=${opts.explicitHome} is Java ${major}, but Java ${opts.minMajor} or newer is needed; ${install}.`,
      );
    }
    return { java: bin, major, source: opts.explicitVar };
  }
  const candidates: { java: string; source: string }[] = [];
  const javaHome = opts.env.JAVA_HOME?.trim();
  if (javaHome) candidates.push({ java: join(javaHome, 'bin', 'java'), source: 'JAVA_HOME' });
  const onPath = findOnPath('java', opts.env.PATH);
  if (onPath) candidates.push({ java: onPath, source: 'PATH' });
  const roots = opts.jvmRoots ?? ['/usr/lib/jvm'];
  for (const bin of jvmRootCandidates(roots)) candidates.push({ java: bin, source: roots.join(', ') });

  const found: JavaRuntime[] = [];
  for (const c of candidates) {
    if (!isExecutableFile(c.java)) continue;
    const major = javaMajorOf(c.java);
    if (major !== undefined) found.push({ ...c, major });
  }
  const fitting = found.filter((j) => j.major >= opts.minMajor);
  if (opts.preferNewest) fitting.sort((a, b) => b.major - a.major);
  const best = fitting[0];
  if (best) return best;
  const seen =
    found.length > 0
      ? `found only ${[...new Set(found.map((j) => `Java ${j.major} (${j.java})`))].join(', ')}`
      : 'found no java at all (looked at JAVA_HOME, PATH and /usr/lib/jvm)';
  throw new StackError(code, `Java ${opts.minMajor} or newer is needed, but ${seen}; ${install}.`);
}
