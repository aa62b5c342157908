#!/usr/bin/env node
// The server is compiled to dist/ by `npm run build` (run by `npm install`/`make`).
import { existsSync } from 'node:fs';
const entry = new URL('../dist/server/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('specedit: not built yet; run `make` (or `npm run build`) in the specedit folder first\n');
  process.exit(1);
}
await import(entry.href);
