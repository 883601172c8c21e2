import { randomBytes } from 'node:crypto';

/** A prefix unique to one test, so tests sharing the stack never see each other's keys, topics or orders. */
export function uniquePrefix(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 24);
  return `${slug}-${randomBytes(4).toString('hex')}`;
}
