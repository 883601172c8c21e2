import { closeSync, existsSync, fstatSync, openSync, readSync, renameSync, statSync } from 'node:fs';

/** The last `lines` lines of a text file (reads at most the last 1 MiB); [] when the file does not exist. */
export function tailFile(file: string, lines: number): string[] {
  if (lines <= 0 || !existsSync(file)) return [];
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 1024 * 1024);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return lastLines(buf.toString('utf8'), lines);
  } finally {
    closeSync(fd);
  }
}

/** The last `n` non-trailing lines of a text. */
export function lastLines(text: string, n: number): string[] {
  const all = text.split(/\r?\n/);
  if (all.length > 0 && all[all.length - 1] === '') all.pop();
  return all.slice(Math.max(0, all.length - n));
}

/** Keeps one previous log (`<file>.1`) once the log grows past `maxBytes`. */
export function rotateLog(file: string, maxBytes = 20 * 1024 * 1024): void {
  try {
    if (statSync(file).size > maxBytes) renameSync(file, `${file}.1`);
  } catch {
    // no log yet
  }
}

/** The marker line `launch` writes before each start of a part. */
export const START_MARKER = '=== saga stack: starting ';

/** The last `n` lines of a log, only from the most recent start marker on (older runs are noise in an error). */
export function tailSinceLastStart(file: string, n: number): string[] {
  const lines = tailFile(file, Math.max(n, 400));
  let from = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]?.startsWith(START_MARKER)) {
      from = i;
      break;
    }
  }
  return lines.slice(Math.max(from, lines.length - n));
}

/** A command line as a person would type it (empty or spaced arguments quoted). */
export function renderCommand(argv: readonly string[]): string {
  return argv
    .map((a) => (a === '' || /[\s'"$`\\*?]/.test(a) ? `'${a.replace(/'/g, "'\\''")}'` : a))
    .join(' ');
}
