/**
 * Bad input everywhere, through the real CLI process: one clear line on stderr, a non-zero exit, never a stack
 * trace. Needs the stack (for "unknown order") but no services, so it runs alongside the service-backed suites.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = join(ROOT, 'packages', 'cli', 'bin', 'saga.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function saga(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const noStackTrace = (r: Run) => expect(r.stderr).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
const order = (...extra: string[]) => [
  'order',
  'place',
  '--sku',
  'SKU-APPLE',
  '--quantity',
  '2',
  '--amount',
  '4200',
  '--currency',
  'EUR',
  ...extra,
];

describe('bad input: one clear line, non-zero exit, no stack trace', () => {
  it('tells the user to run npm start when the services are not up', async () => {
    const r = await saga('demo', '--base-port', '3490');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('npm start');
    noStackTrace(r);
  });

  it('missing --sku lists every problem and exits 1 without publishing', async () => {
    const r = await saga('order', 'place', '--quantity', '1', '--amount', '100', '--currency', 'EUR');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--sku: sku is required');
    expect(r.stderr).toContain('--card: paymentToken is required');
    expect(r.stdout).toBe('');
    noStackTrace(r);
  });

  it('quantity 0 is refused', async () => {
    const r = await saga(...order('--card', 'tok_approve').map((a) => (a === '2' ? '0' : a)));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--quantity: quantity must be between 1 and 1000');
    noStackTrace(r);
  });

  it('unknown order exits 4', async () => {
    const r = await saga('order', 'show', `nope-${randomUUID()}`);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^saga: unknown order nope-/);
    noStackTrace(r);
  });

  it('unknown command, status, topic and service are usage errors', async () => {
    for (const args of [
      ['frobnicate'],
      ['order', 'list', '--status', 'lost'],
      ['tail', '--topic', 'nope'],
      ['dlq', 'list', '--service', 'billing'],
      ['bench', '--rate', '10', '--deploy', 'kubernetes'],
      ['bench', '--rate', '10', '--nodes', '1.5'],
      ['bench', '--rate', '10', '--nodes', '0'],
    ]) {
      const r = await saga(...args);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/error: /);
      noStackTrace(r);
    }
  });
});
