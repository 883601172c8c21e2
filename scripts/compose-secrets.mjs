#!/usr/bin/env node
// Writes the secrets of docker-compose.secure.yml into ./.compose-secrets/ (passwords, CA + server certificate,
// Redis ACL file, property files holding passwords), with the local stack's own generator (@saga/stack,
// src/compose-secrets.ts); existing passwords are kept. Needs `npm run build` (or the stack package built) and openssl.
//   node scripts/compose-secrets.mjs              # create what is missing
//   node scripts/compose-secrets.mjs --acl-table  # rewrite docker/secure/acls.tsv from aclPlan()
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stack = await import(join(root, 'packages/stack/dist/index.js')).catch((err) => {
  console.error(`@saga/stack is not built (${err.message}); run \`npm run build\` first.`);
  process.exit(1);
});

if (process.argv.includes('--acl-table')) {
  const file = join(root, 'docker/secure/acls.tsv');
  writeFileSync(file, stack.composeAclTable());
  console.log(`wrote ${file}`);
} else {
  const dir = join(root, '.compose-secrets');
  const files = stack.writeComposeSecrets(dir);
  console.log(`${dir}: ${files.length} files (${files.join(', ')})`);
  console.log('now: docker compose -f docker-compose.yml -f docker-compose.secure.yml up --build');
}
