import { jest } from '@jest/globals';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contractsCommand } from '../../cli/src/commands/contracts.js';
import { SCHEMA_DIR } from '../src/index.js';
import { uniqueSubjectPrefix } from './fixtures.js';

async function run(args: string[]): Promise<{ lines: string[]; exitCode: number }> {
  const lines: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  process.exitCode = 0;
  try {
    await contractsCommand().exitOverride().parseAsync(args, { from: 'user' });
    return { lines, exitCode: Number(process.exitCode ?? 0) };
  } finally {
    spy.mockRestore();
    process.exitCode = 0;
  }
}

describe('saga contracts register|check', () => {
  const prefix = uniqueSubjectPrefix('cli');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'schemas-'));
    cpSync(SCHEMA_DIR, dir, { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports NEW before registration, COMPATIBLE after', async () => {
    const before = await run(['check', '--subject-prefix', prefix]);
    expect(before.exitCode).toBe(0);
    expect(before.lines).toHaveLength(16);
    expect(before.lines.every((l) => l.startsWith('NEW'))).toBe(true);

    const reg = await run(['register', '--subject-prefix', prefix]);
    expect(reg.lines).toEqual(['registered 16 subjects (compatibility FULL)']);

    const after = await run(['check', '--subject-prefix', prefix, '--json']);
    const results = JSON.parse(after.lines[0]!) as { status: string }[];
    expect(results.map((r) => r.status)).toEqual(Array(16).fill('compatible'));
  });

  it('exits 1 and names the subject when a working-tree schema is incompatible', async () => {
    const file = join(dir, 'OrderShipped.avsc');
    const schema = JSON.parse(readFileSync(file, 'utf8')) as { fields: { name: string; type: unknown }[] };
    schema.fields.find((f) => f.name === 'trackingNumber')!.type = 'int';
    writeFileSync(file, JSON.stringify(schema));
    const res = await run(['check', '--subject-prefix', prefix, '--schemas', dir]);
    expect(res.exitCode).toBe(1);
    const bad = res.lines.filter((l) => l.startsWith('INCOMPATIBLE'));
    expect(bad).toHaveLength(1);
    expect(bad[0]).toContain(`${prefix}orders-ordersaga.events.OrderShipped`);
  });
});
