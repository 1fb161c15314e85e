#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const entry = join(root, 'dist', 'harness', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(`drdrill: ${entry} is missing. Run "npm ci && npm run build" in ${root} first.\n`);
  process.exit(3);
}
await import(pathToFileURL(entry).href);
