/**
 * The workspace index: per-file summaries (imports, exports, re-exports,
 * declarations), TypeScript-like resolution of relative specifiers, the
 * crawl's limits, and updates from the editor and the file watcher.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { summarizeModule } from '../../syntax/module-summary.js';
import { SyntaxDocument } from '../../syntax/syntax-document.js';
import { resolveModule } from '../../workspace/module-resolution.js';
import { originOfExport } from '../../workspace/export-resolution.js';
import { WorkspaceIndex } from '../../workspace/workspace-index.js';

function summary(source: string) {
  return summarizeModule(new SyntaxDocument('typescript', source).tree, source);
}

/** A fresh temporary folder per test (`create`, `remove`) and paths, URIs and files relative to it. */
function folder() {
  const dir = {
    root: '',
    create(prefix: string) {
      dir.root = mkdtempSync(join(tmpdir(), prefix));
    },
    remove() {
      rmSync(dir.root, { recursive: true, force: true });
    },
  };
  const uri = (relative: string) => pathToFileURL(join(dir.root, relative)).href;
  const write = (relative: string, text: string) => {
    mkdirSync(dirname(join(dir.root, relative)), { recursive: true });
    writeFileSync(join(dir.root, relative), text);
  };
  const names = (uris: string[]) => uris.map((u) => u.slice(pathToFileURL(dir.root).href.length + 1)).sort();
  return { dir, uri, write, names };
}

describe('module summaries', () => {
  const imports = (source: string) =>
    summary(source).imports.map((i) => `${i.imported}${i.aliased || i.imported === 'default' || i.imported === '*' ? ' as ' + i.local : ''} from ${i.specifier}`);
  const exports = (source: string) => summary(source).exports.map((e) => `${e.local ?? '-'} as ${e.exported}${e.from ? ' from ' + e.from : ''}`);

  test.each([
    ["import d, { a as c, b } from './x';", ['default as d from ./x', 'a as c from ./x', 'b from ./x']],
    ["import * as ns from './y.js';", ['* as ns from ./y.js']],
    ["import type { T } from './t';", ['T from ./t']],
    ["import './side-effect';", []],
    ['import fs from "node:fs";', ['default as fs from node:fs']],
  ])('imports: %s', (source, expected) => {
    expect(imports(source)).toEqual(expected);
  });

  test.each([
    ['export function f() {}', ['f as f']],
    ['export const a = 1, b = 2;', ['a as a', 'b as b']],
    ['export class C {} export interface I {} export type T = 1; export enum E { A }', ['C as C', 'I as I', 'T as T', 'E as E']],
    ['const a = 1; export { a as b, a };', ['a as b', 'a as a']],
    ['export default function k() {}', ['k as default']],
    ['const x = 1; export default x;', ['x as default']],
    ['export default { a: 1 };', ['- as default']],
    ["export { a as e, f } from './v';", ['a as e from ./v', 'f as f from ./v']],
    ["export * from './z';", ['- as * from ./z']],
    ["export * as q from './w';", ['- as q from ./w']],
  ])('exports: %s', (source, expected) => {
    expect(exports(source)).toEqual(expected);
  });

  test('declarations carry their signatures, without bodies', () => {
    const { declarations } = summary("import { x } from './x';\nexport function add(a: number, b: number): number {\n  return a + b;\n}\nconst LIMIT = 3;\n");
    expect(declarations.map((d) => [d.names, d.signature])).toEqual([
      [['add'], 'export function add(a: number, b: number): number;'],
      [['LIMIT'], 'const LIMIT = 3;'],
    ]);
  });

  test('broken code gives a partial summary, not an exception', () => {
    expect(summary("import { a } from './a';\nexport function (").imports.map((i) => i.imported)).toEqual(['a']);
  });
});

describe('module resolution', () => {
  const files = new Set(['/p/src/a.ts', '/p/src/b.tsx', '/p/src/c.js', '/p/src/d.mts', '/p/src/dir/index.ts', '/p/src/e.d.ts', '/p/lib.ts']);
  const resolve = (specifier: string) => resolveModule('/p/src/main.ts', specifier, (p) => files.has(p));
  test.each([
    ['./a', '/p/src/a.ts'],
    ['./a.js', '/p/src/a.ts'],
    ['./a.ts', '/p/src/a.ts'],
    ['./b', '/p/src/b.tsx'],
    ['./b.jsx', '/p/src/b.tsx'],
    ['./b.js', '/p/src/b.tsx'],
    ['./c.js', '/p/src/c.js'],
    ['./c', '/p/src/c.js'],
    ['./d.mjs', '/p/src/d.mts'],
    ['./dir', '/p/src/dir/index.ts'],
    ['./dir/index.js', '/p/src/dir/index.ts'],
    ['./e', '/p/src/e.d.ts'],
    ['../lib', '/p/lib.ts'],
    ['./missing', undefined],
    ['lodash', undefined],
    ['node:fs', undefined],
    ['@scope/pkg', undefined],
  ])('%s', (specifier, expected) => {
    expect(resolve(specifier)).toBe(expected);
  });
});

describe('the index', () => {
  const { dir, uri, write, names } = folder();

  beforeEach(() => {
    dir.create('specedit-index-');
    write('src/math.ts', 'export function total(xs: number[]): number {\n  return 0;\n}\n');
    write('src/index.ts', "export * from './math.js';\n");
    write('src/app.ts', "import { total } from './index';\nimport * as m from './math';\nimport React from 'react';\n");
    write('src/other.js', "export { total as sum } from './math.js';\n");
    write('node_modules/pkg/index.ts', "import { total } from '../../src/math';\n");
    write('dist/math.js', "import { total } from '../src/math';\n");
    write('build/x.ts', "import { total } from '../src/math';\n");
    write('.git/hooks.ts', "import { total } from '../src/math';\n");
    write('src/big.ts', `import { total } from './math';\n// ${'x'.repeat(2000)}\n`);
    write('README.md', 'not source');
    write('.gitignore', '# build output\ndist/\n/build\n');
  });

  afterEach(() => dir.remove());

  async function started(options = {}) {
    const index = new WorkspaceIndex({ maxFileBytes: 1000, ...options });
    await index.start([pathToFileURL(dir.root).href]);
    return index;
  }

  test('importers and re-exporters, skipping dependency and build folders and large files', async () => {
    const index = await started();
    expect(names(index.importersOf(uri('src/math.ts')))).toEqual(['src/app.ts', 'src/index.ts', 'src/other.js']);
    expect(names(index.importersOf(uri('src/index.ts')))).toEqual(['src/app.ts']);
    expect(index.resolve(uri('src/app.ts'), './index')).toBe(uri('src/index.ts'));
    expect(index.resolve(uri('src/app.ts'), 'react')).toBeUndefined();
    expect(index.size).toBe(4);
  });

  test('what is skipped is what the .gitignore files say (nearest first, negations too), plus node_modules and .git', async () => {
    write('.gitignore', '');
    write('lib/.gitignore', 'generated/\n*.gen.ts\n!keep.gen.ts\n');
    write('lib/generated/a.ts', "import { total } from '../../src/math';\n");
    write('lib/b.gen.ts', "import { total } from '../src/math';\n");
    write('lib/keep.gen.ts', "import { total } from '../src/math';\n");
    const index = await started();
    // Nothing ignores dist/ and build/ now: a project may keep sources there.
    expect(names(index.importersOf(uri('src/math.ts')))).toEqual(['build/x.ts', 'dist/math.js', 'lib/keep.gen.ts', 'src/app.ts', 'src/index.ts', 'src/other.js']);
    // Watched-file events obey the same rules.
    write('lib/generated/late.ts', "import { total } from '../../src/math';\n");
    await index.fileChanged(uri('lib/generated/late.ts'));
    expect(index.summary(uri('lib/generated/late.ts'))).toBeUndefined();
    // A changed .gitignore is read again.
    write('lib/.gitignore', '');
    await index.fileChanged(uri('lib/.gitignore'));
    await index.fileChanged(uri('lib/generated/late.ts'));
    expect(index.summary(uri('lib/generated/late.ts'))?.imports).toHaveLength(1);
  });

  test('a generated .gitignore of 30,000 patterns: the first 1,000 apply, with a warning, and the crawl stays fast', async () => {
    const patterns = Array.from({ length: 30_000 }, (_, i) => `generated/part${i}/**`);
    patterns[10] = 'dist/';
    patterns[5000] = 'build/';
    write('.gitignore', patterns.join('\n'));
    const warnings: string[] = [];
    const started_ = performance.now();
    const index = await started({ logger: { warn: (m: string) => warnings.push(m), info: () => undefined, debug: () => undefined, error: () => undefined } });
    expect(performance.now() - started_).toBeLessThan(3000); // 7 s before the cap, on a smaller tree
    expect(warnings.join('\n')).toMatch(/30000 patterns; the workspace index uses the first 1000/);
    // dist/ (pattern 10) is skipped; build/ (pattern 5,000) is beyond the cap and indexed.
    expect(names(index.importersOf(uri('src/math.ts')))).toEqual(['build/x.ts', 'src/app.ts', 'src/index.ts', 'src/other.js']);
  });

  test('the file count is capped', async () => {
    const index = await started({ maxFiles: 2, maxFileBytes: 1_000_000 });
    expect(index.size).toBe(2);
  });

  test('exports are followed through `export *`, `export {a} from` and aliases', async () => {
    const index = await started();
    expect(originOfExport(index, uri('src/index.ts'), 'total')).toMatchObject({ uri: uri('src/math.ts'), local: 'total', sameName: true });
    expect(originOfExport(index, uri('src/other.js'), 'sum')).toMatchObject({ uri: uri('src/math.ts'), local: 'total', sameName: false });
    expect(originOfExport(index, uri('src/index.ts'), 'missing')).toBeUndefined();
  });

  test('an open document wins over the disk until it is closed', async () => {
    const index = await started();
    const text = "import { total } from './other';\n";
    const doc = new SyntaxDocument('typescript', text);
    const source = () => ({ languageId: 'typescript', text: doc.text, tree: doc.tree });
    index.documentChanged(uri('src/app.ts'), source);
    expect(names(index.importersOf(uri('src/math.ts')))).toEqual(['src/index.ts', 'src/other.js']);
    // A keystroke (the server reports each one): the summary is read again from the live tree when next asked.
    doc.applyChange(text.indexOf('other'), text.indexOf('other') + 'other'.length, 'math');
    index.documentChanged(uri('src/app.ts'), source);
    expect(names(index.importersOf(uri('src/math.ts')))).toEqual(['src/app.ts', 'src/index.ts', 'src/other.js']);
    // The disk is not read while the document is open.
    write('src/app.ts', '');
    await index.fileChanged(uri('src/app.ts'));
    expect(index.summary(uri('src/app.ts'))?.imports).toHaveLength(1);
    await index.documentClosed(uri('src/app.ts'));
    expect(index.summary(uri('src/app.ts'))?.imports).toEqual([]);
  });

  test('watched-file events add, reread and drop files', async () => {
    const index = await started();
    write('src/new.ts', "import { total } from './math';\n");
    await index.fileChanged(uri('src/new.ts'));
    expect(names(index.importersOf(uri('src/math.ts')))).toContain('src/new.ts');
    write('src/new.ts', '');
    await index.fileChanged(uri('src/new.ts'));
    expect(names(index.importersOf(uri('src/math.ts')))).not.toContain('src/new.ts');
    index.fileDeleted(uri('src/app.ts'));
    expect(index.summary(uri('src/app.ts'))).toBeUndefined();
    expect(index.resolve(uri('src/index.ts'), './app')).toBeUndefined();
    // Resolutions are remembered until the set of files changes: a file created later is found.
    expect(index.resolve(uri('src/index.ts'), './later')).toBeUndefined();
    write('src/later.ts', 'export const later = 1;\n');
    await index.fileChanged(uri('src/later.ts'));
    expect(index.resolve(uri('src/index.ts'), './later')).toBe(uri('src/later.ts'));
    // Outside the folders or in a skipped one: ignored.
    write('node_modules/late.ts', "import { total } from '../src/math';\n");
    await index.fileChanged(uri('node_modules/late.ts'));
    expect(index.summary(uri('node_modules/late.ts'))).toBeUndefined();
  });
});

describe('bare specifiers the configuration maps (tsconfig paths, baseUrl)', () => {
  const { dir, uri, write, names } = folder();

  beforeEach(() => {
    dir.create('specedit-aliases-');
    // `extends`, comments and trailing commas: TypeScript reads the configuration, not JSON.parse.
    write('tsconfig.base.json', '{\n  // shared\n  "compilerOptions": { "baseUrl": ".", "paths": { "@/*": ["src/*"], "@lib": ["src/lib/index.ts"], "#gen/*": ["generated/*", "src/fallback/*"] }, },\n}\n');
    write('tsconfig.json', '{ "extends": "./tsconfig.base.json", "compilerOptions": { "moduleResolution": "bundler", "module": "esnext" } }\n');
    write('src/lib/math.ts', 'export function add(a: number, b: number): number {\n  return a + b;\n}\n');
    write('src/lib/index.ts', "export * from './math';\n");
    write('src/fallback/only.ts', 'export const only = 1;\n');
    write('src/app.ts', "import { add } from '@/lib/math';\nimport { only } from '#gen/only';\nimport React from 'react';\n");
    write('src/barrel.ts', "import { add } from '@lib';\n");
    write('src/base.ts', "import { add } from 'src/lib/math.js';\n");
    // A nested project with its own configuration: its aliases, not the root's.
    write('tools/jsconfig.json', '{ "compilerOptions": { "paths": { "~/*": ["./*"] } } }\n');
    write('tools/run.js', "import { helper } from '~/helper';\nimport { add } from '@/lib/math';\n");
    write('tools/helper.js', 'export function helper() {}\n');
  });

  afterEach(() => dir.remove());

  async function started() {
    const index = new WorkspaceIndex();
    await index.start([pathToFileURL(dir.root).href]);
    return index;
  }

  test('paths patterns, exact aliases, substitution fallbacks and baseUrl resolve to workspace files', async () => {
    const index = await started();
    expect(index.resolve(uri('src/app.ts'), '@/lib/math')).toBe(uri('src/lib/math.ts'));
    expect(index.resolve(uri('src/app.ts'), '#gen/only')).toBe(uri('src/fallback/only.ts'));
    expect(index.resolve(uri('src/barrel.ts'), '@lib')).toBe(uri('src/lib/index.ts'));
    expect(index.resolve(uri('src/base.ts'), 'src/lib/math.js')).toBe(uri('src/lib/math.ts'));
    expect(index.resolve(uri('src/app.ts'), 'react')).toBeUndefined();
    expect(index.resolve(uri('src/app.ts'), '@/lib/missing')).toBeUndefined();
    expect(names(index.importersOf(uri('src/lib/math.ts')))).toEqual(['src/app.ts', 'src/base.ts', 'src/lib/index.ts']);
    expect(names(index.importersOf(uri('src/lib/index.ts')))).toEqual(['src/barrel.ts']);
  });

  test('the nearest configuration decides', async () => {
    const index = await started();
    expect(index.resolve(uri('tools/run.js'), '~/helper')).toBe(uri('tools/helper.js'));
    expect(index.resolve(uri('tools/run.js'), '@/lib/math')).toBeUndefined();
    expect(index.resolve(uri('src/app.ts'), '~/helper')).toBeUndefined();
  });

  test('a changed or deleted configuration is read again', async () => {
    const index = await started();
    expect(names(index.importersOf(uri('src/lib/math.ts')))).toContain('src/app.ts');
    write('tsconfig.base.json', '{ "compilerOptions": { "paths": { "@app/*": ["src/*"] } } }\n');
    await index.fileChanged(uri('tsconfig.base.json'));
    expect(index.resolve(uri('src/app.ts'), '@/lib/math')).toBeUndefined();
    expect(index.resolve(uri('src/app.ts'), '@app/lib/math')).toBe(uri('src/lib/math.ts'));
    expect(names(index.importersOf(uri('src/lib/math.ts')))).toEqual(['src/lib/index.ts']);
    rmSync(join(dir.root, 'tools/jsconfig.json'));
    index.fileDeleted(uri('tools/jsconfig.json'));
    expect(index.resolve(uri('tools/run.js'), '~/helper')).toBeUndefined();
    expect(index.resolve(uri('tools/run.js'), '@app/lib/math')).toBe(uri('src/lib/math.ts'));
  });

  test('an unreadable configuration maps nothing and breaks nothing', async () => {
    write('tsconfig.json', '{ "extends": "./missing.json", "compilerOptions": { "paths": { "@/*": ["src/*"] } ');
    const index = await started();
    expect(index.resolve(uri('src/lib/index.ts'), './math')).toBe(uri('src/lib/math.ts'));
    expect(() => index.resolve(uri('src/app.ts'), '@/lib/math')).not.toThrow();
  });
});
