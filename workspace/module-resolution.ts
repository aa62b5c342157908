/**
 * Relative module specifiers resolved the way TypeScript resolves them
 * (moduleResolution node16/bundler for relative paths): `./x.js` names the
 * source `x.ts` that compiles to it, `./x` tries the source extensions, then
 * `./x/index.*`. Bare specifiers are not resolved here: path-aliases.ts
 * resolves those the project's configuration maps to workspace files.
 * Pure: `exists` says which paths are workspace files.
 */
import { dirname, extname, join, resolve } from 'node:path';

/** The extensions of the files the index reads (also the file watcher's glob). */
export const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'] as const;
export const SOURCE_GLOB = '**/*.{ts,tsx,js,jsx,mts,cts,mjs,cjs}';

/** Extensionless specifiers: TypeScript's order. */
const IMPLICIT_EXTENSIONS = ['.ts', '.tsx', '.d.ts', '.js', '.jsx'];

/** An output extension written in a specifier → the sources that produce it, in TypeScript's order. */
const OUTPUT_TO_SOURCE: Readonly<Record<string, string[]>> = {
  '.js': ['.ts', '.tsx', '.d.ts', '.js', '.jsx'],
  '.jsx': ['.tsx', '.jsx'],
  '.mjs': ['.mts', '.d.mts', '.mjs'],
  '.cjs': ['.cts', '.d.cts', '.cjs'],
};

export function isSourceFile(path: string): boolean {
  return (SOURCE_EXTENSIONS as readonly string[]).includes(extname(path));
}

export function isRelativeSpecifier(specifier: string): boolean {
  return specifier === '.' || specifier === '..' || specifier.startsWith('./') || specifier.startsWith('../');
}

/** The workspace file `specifier`, imported from the file at `fromPath`, names; undefined when it names none. */
export function resolveModule(fromPath: string, specifier: string, exists: (path: string) => boolean): string | undefined {
  if (!isRelativeSpecifier(specifier)) return undefined;
  const base = resolve(dirname(fromPath), specifier);
  return candidatePaths(base).find(exists);
}

function candidatePaths(base: string): string[] {
  const ext = extname(base);
  const out: string[] = [];
  const sources = OUTPUT_TO_SOURCE[ext];
  if (sources) out.push(...sources.map((e) => base.slice(0, -ext.length) + e));
  else if (ext === '.ts' || ext === '.tsx' || ext === '.mts' || ext === '.cts') out.push(base);
  out.push(...IMPLICIT_EXTENSIONS.map((e) => base + e));
  out.push(...IMPLICIT_EXTENSIONS.map((e) => join(base, `index${e}`)));
  return out;
}
