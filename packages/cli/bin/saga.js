#!/usr/bin/env node
import('../dist/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    console.error(
      'saga: the CLI is not built yet. Run `npm install` (or `npm run build`) at the repository root.',
    );
    process.exit(1);
  }
  throw err;
});
