import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { StackConfig } from './config.js';
import { StackError } from './errors.js';
import type { StackLayout } from './layout.js';
import { withLock } from './lock.js';
import { lastLines } from './logs.js';
import { findOnPath, isExecutableFile } from './system.js';
import type { StackProgress } from './types.js';

export function distReady(layout: StackLayout): { kafka: boolean; registry: boolean } {
  return { kafka: existsSync(layout.kafkaMarkerJar), registry: existsSync(layout.registryJar) };
}

/** Maven's download lines ("Downloading from central: …", "Downloaded from central: … (5.9 MB at …)"). */
export function isMavenDownloadLine(line: string): boolean {
  return /^(\[INFO\] )?Download(ing|ed) from /.test(line);
}

export function findMaven(env: NodeJS.ProcessEnv): string | undefined {
  const home = env.MAVEN_HOME?.trim() || env.M2_HOME?.trim();
  if (home && isExecutableFile(join(home, 'bin', 'mvn'))) return join(home, 'bin', 'mvn');
  return findOnPath('mvn', env.PATH);
}

/**
 * Makes sure the Kafka jars and the Apicurio Registry app are unpacked under the dist dir, running the stack's
 * Maven project (stack/pom.xml) when they are not; Maven's download lines are passed to `onProgress`.
 */
export async function ensureDist(
  config: StackConfig,
  layout: StackLayout,
  javaHome: string,
  onProgress: (p: StackProgress) => void,
): Promise<void> {
  if (Object.values(distReady(layout)).every(Boolean)) return;
  const mvn = findMaven(config.env);
  if (!mvn) {
    throw new StackError(
      'MAVEN_NOT_FOUND',
      'Maven (mvn) is needed once to fetch Kafka and Apicurio Registry from Maven Central, but it is not on PATH. ' +
        'Install it (`apt-get install -y maven`) or set MAVEN_HOME.',
    );
  }
  if (!existsSync(config.pomFile)) {
    throw new StackError('DOWNLOAD_FAILED', `The stack's Maven project ${config.pomFile} is missing.`);
  }
  mkdirSync(config.distDir, { recursive: true });
  await withLock(
    layout.mavenLockFile,
    async () => {
      const ready = distReady(layout);
      if (ready.kafka && ready.registry) return; // another process fetched it while we waited
      // The unpack goal skips artifacts it has a marker for, even when their folder was deleted.
      if (!ready.registry) rmSync(join(config.distDir, '.markers'), { recursive: true, force: true });
      onProgress({
        part: 'maven',
        message: `fetching Kafka ${config.kafka.version} and Apicurio Registry ${config.registry.version} from Maven Central into ${config.distDir} (once)`,
      });
      await runMaven(config, mvn, javaHome, onProgress);
      const after = distReady(layout);
      if (!after.kafka || !after.registry) {
        throw new StackError(
          'DOWNLOAD_FAILED',
          `Maven finished, but ${!after.kafka ? layout.kafkaMarkerJar : layout.registryJar} is still missing. ` +
            `Delete ${config.distDir} and run \`npx saga stack up\` again.`,
        );
      }
    },
    {
      onWait: (pid) =>
        onProgress({ part: 'maven', message: `waiting for pid ${pid}, which is fetching the same files` }),
    },
  );
}

function runMaven(
  config: StackConfig,
  mvn: string,
  javaHome: string,
  onProgress: (p: StackProgress) => void,
): Promise<void> {
  const args = ['-B', '-f', config.pomFile, `-Ddist.dir=${config.distDir}`, 'package'];
  return new Promise((resolveRun, reject) => {
    const child = spawn(mvn, args, {
      cwd: dirname(config.pomFile),
      env: { ...config.env, JAVA_HOME: javaHome },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const recent: string[] = [];
    const keep = (line: string) => {
      recent.push(line);
      if (recent.length > 60) recent.shift();
    };
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        keep(line);
        if (isMavenDownloadLine(line)) onProgress({ part: 'maven', message: line.replace(/^\[INFO\] /, '') });
      });
    }
    child.once('error', (err) =>
      reject(new StackError('DOWNLOAD_FAILED', `Could not run ${mvn}: ${err.message}`, { cause: err })),
    );
    child.once('close', (code, signal) => {
      if (code === 0) return resolveRun();
      const tail = lastLines(recent.join('\n'), 25)
        .map((l) => `  | ${l}`)
        .join('\n');
      reject(
        new StackError(
          'DOWNLOAD_FAILED',
          `Maven could not fetch the stack (exit ${code ?? signal}): \`${mvn} ${args.join(' ')}\`\n${tail}\n` +
            'Check that Maven Central is reachable (proxy settings in ~/.m2/settings.xml) and run `npx saga stack up` again.',
        ),
      );
    });
  });
}
