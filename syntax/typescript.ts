/**
 * The typescript package (about 9 MB of JavaScript), loaded synchronously on
 * the first call and only by code that needs it (the fix search's parse
 * errors, the type service, path aliases), so the server's startup does not
 * pay for it. One loader for all of them.
 */
import { createRequire } from 'node:module';
import type * as TypeScript from 'typescript';

let loaded: typeof TypeScript | undefined;

export function typescript(): typeof TypeScript {
  loaded ??= createRequire(import.meta.url)('typescript') as typeof TypeScript;
  return loaded;
}
