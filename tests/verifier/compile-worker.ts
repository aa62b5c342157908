/**
 * Worker threads run outside Jest's TypeScript transform, so tests compile a
 * worker module and its relative imports with SWC into node_modules/.cache
 * (ignored by git; bare imports such as node-llama-cpp still resolve).
 */
import { transformFile } from '@swc/core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const OUT = join(ROOT, 'node_modules/.cache/specedit-test-workers');

/** Relative `.js` imports of a source file, as source paths. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)\.js'/g)].map((m) => m[1]);
  return specifiers.map((s) => resolve(dirname(file), `${s}.ts`));
}

/** Compiles `entry` (a path relative to the repository root) and everything it imports relatively; returns the compiled entry. */
export async function compileWorker(entry: string): Promise<string> {
  const pending = [resolve(ROOT, entry)];
  const done = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const { code } = await transformFile(file, { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' }, sourceMaps: false });
    const target = join(OUT, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code);
    pending.push(...relativeImports(file));
  }
  writeFileSync(join(OUT, 'package.json'), '{"type":"module"}\n');
  return join(OUT, entry.replace(/\.ts$/, '.js'));
}
