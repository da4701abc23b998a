#!/usr/bin/env -S node --max-semi-space-size=32
// The `ixs` command. Runs the compiled CLI when `npm run build` produced dist/, else the TypeScript sources via tsx.
// The first line gives V8 a 32 MB semi-space (docs/operations.md, Memory): a request's short-lived objects die young.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  // The repository's tsconfig, wherever `ixs` is run from: its paths map @ixs/client to packages/client/src.
  register({ tsconfig: new URL('../tsconfig.json', import.meta.url).pathname });
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
