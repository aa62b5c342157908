import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';

/** The two grammars shipped by tree-sitter-typescript. */
export type GrammarName = 'typescript' | 'tsx';

export interface SyntaxLanguage {
  readonly grammar: GrammarName;
  /** Shared by every document of this grammar: parsing is synchronous, so one parser is never used twice at once. */
  readonly parser: Parser;
}

/**
 * JavaScript goes through the tsx grammar, not the typescript one: `.js` files
 * often hold JSX, and the typescript grammar reads `<T>x` as a type assertion,
 * while tsx (like JavaScript) has no angle-bracket assertions. Type syntax that
 * tsx accepts on top of JavaScript is harmless for reading JavaScript.
 */
const GRAMMAR_BY_LANGUAGE_ID: Readonly<Record<string, GrammarName>> = {
  typescript: 'typescript',
  typescriptreact: 'tsx',
  javascript: 'tsx',
  javascriptreact: 'tsx',
};

/** Language ids editors send for these languages besides LSP's own (eglot names them after the major mode). */
const LANGUAGE_ID_ALIASES: Readonly<Record<string, string>> = {
  ts: 'typescript',
  'typescript-ts': 'typescript',
  tsx: 'typescriptreact',
  'tsx-ts': 'typescriptreact',
  js: 'javascript',
  'js-ts': 'javascript',
  js2: 'javascript',
  jsx: 'javascriptreact',
  rjsx: 'javascriptreact',
};

const LANGUAGE_ID_BY_EXTENSION: Readonly<Record<string, string>> = {
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  tsx: 'typescriptreact',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'javascriptreact',
};

/**
 * The LSP language id for a document an editor opened: LSP's own ids as they
 * are; otherwise the file's extension decides (`.ts` opened in a mode that
 * eglot calls "typescript-ts" or "js"), then common aliases; anything else is
 * kept (and is not a language specedit reads).
 */
export function canonicalLanguageId(languageId: string, uri: string): string {
  if (GRAMMAR_BY_LANGUAGE_ID[languageId] !== undefined) return languageId;
  const extension = /\.([a-z]+)$/i.exec(uri.split(/[?#]/)[0])?.[1]?.toLowerCase();
  return (extension && LANGUAGE_ID_BY_EXTENSION[extension]) ?? LANGUAGE_ID_ALIASES[languageId] ?? languageId;
}

interface NativeModules {
  Parser: typeof Parser;
  grammars: Record<GrammarName, Parser.Language>;
}

/**
 * tree-sitter is a CommonJS native addon, loaded with `createRequire` so that a
 * missing or broken native build turns syntax features off instead of
 * crashing the server at import time.
 *
 * Its JS must be evaluated once per process: index.js patches the addon's
 * shared classes (`Tree.prototype.rootNode` becomes a getter wrapping the
 * native one), and a second evaluation wraps the wrapper, after which every
 * `tree.rootNode` is undefined. Jest evaluates JS once per test file but loads
 * a native addon once per worker, so the loaded package is kept on the
 * grammar addon's exports (what `require('tree-sitter-typescript')` returns in
 * every module registry). In production this is just a load-once cache.
 * Consequence: import tree-sitter's values only through this module.
 */
const LOADED_PARSER = Symbol.for('specedit.syntax.tree-sitter');
let natives: NativeModules | undefined;
let unavailable: string | undefined;
const parsers = new Map<GrammarName, SyntaxLanguage>();

function loadPackages(): NativeModules {
  const require = createRequire(import.meta.url);
  const grammars = require('tree-sitter-typescript') as Record<GrammarName, Parser.Language> & { [LOADED_PARSER]?: typeof Parser };
  grammars[LOADED_PARSER] ??= require('tree-sitter') as typeof Parser;
  return { Parser: grammars[LOADED_PARSER], grammars };
}

function loadNatives(): NativeModules | undefined {
  if (natives || unavailable) return natives;
  try {
    const loaded = loadPackages();
    const problem = offsetUnitProblem(loaded);
    if (problem) unavailable = problem;
    else natives = loaded;
  } catch (error) {
    unavailable =
      `tree-sitter could not be loaded (${(error as Error).message}); ` +
      'syntax features are off. Reinstall dependencies with `npm ci` so the native addons build.';
  }
  return natives;
}

/**
 * Every offset in specedit is a UTF-16 code unit (protocol/text.ts). Node
 * tree-sitter 0.25 parses JS strings as UTF-16 and reports `startIndex` and
 * `Point.column` in code units, but that is a property of the binding, not of
 * tree-sitter: a binding that reported UTF-8 bytes would silently shift every
 * range after the first non-ASCII character. Check it once on a probe with an
 * astral character (2 units, 4 bytes) and refuse to run on a binding that
 * disagrees rather than produce wrong edits.
 */
function offsetUnitProblem({ Parser: ParserClass, grammars }: NativeModules): string | undefined {
  const parser = new ParserClass();
  parser.setLanguage(grammars.typescript);
  // The astral character is 2 UTF-16 units and 4 UTF-8 bytes, on both lines.
  const probe = '"😀";\n"😀"; x';
  const x = parser.parse(probe).rootNode.lastChild;
  const unitsOk = x?.startIndex === probe.length - 1;
  const columnsOk = x?.startPosition.row === 1 && x.startPosition.column === 6;
  if (unitsOk && columnsOk) return undefined;
  return 'the installed tree-sitter binding does not report UTF-16 offsets; syntax features are off (expected tree-sitter 0.25.x).';
}

/** The grammar and parser for an LSP language id, or undefined when specedit has no grammar for it (or tree-sitter is unavailable). */
export function languageFor(languageId: string): SyntaxLanguage | undefined {
  const grammar = GRAMMAR_BY_LANGUAGE_ID[languageId];
  if (grammar === undefined) return undefined;
  const loaded = loadNatives();
  if (!loaded) return undefined;
  let language = parsers.get(grammar);
  if (!language) {
    const parser = new loaded.Parser();
    parser.setLanguage(loaded.grammars[grammar]);
    language = { grammar, parser };
    parsers.set(grammar, language);
  }
  return language;
}

/** Why syntax features are off, for one warning at startup; undefined when tree-sitter works. */
export function syntaxUnavailableReason(): string | undefined {
  loadNatives();
  return unavailable;
}
