/**
 * Monorepo packages importing each other by name: the entry a package.json
 * points to, followed back from its build output to the source through the
 * package's tsconfig.json (or the usual folder names), and an exported
 * rename that reaches a package importing it by name. Expected texts are
 * TypeScript's rename through the package manager's links.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempProject } from '../helpers/temp-project.js';
import { entryTargets } from '../../workspace/workspace-packages.js';
import type { WorkspaceIndex } from '../../workspace/workspace-index.js';

describe('package entries', () => {
  test.each([
    ['a string export', { exports: './src/index.ts' }, '', ['./src/index.ts', './index']],
    ['conditions, types first', { exports: { '.': { import: './dist/index.js', types: './dist/index.d.ts' } } }, '', ['./dist/index.d.ts', './dist/index.js', './index']],
    ['a subpath pattern', { exports: { '.': './src/index.ts', './*': { types: './src/*.ts' } } }, 'strings', ['./src/strings.ts', './strings']],
    ['a root-only condition map', { exports: { types: './t.d.ts', default: './d.js' } }, '', ['./t.d.ts', './d.js', './index']],
    ['fields, without exports', { types: 'dist/index.d.ts', main: 'dist/index.js' }, '', ['dist/index.d.ts', 'dist/index.js', './index']],
    ['a deep import, without exports', { main: 'lib/index.js' }, 'lib/util', ['./lib/util']],
  ])('%s', (_name, manifest, subpath, expected) => {
    expect(entryTargets(manifest, subpath)).toEqual(expected);
  });
});

describe('a monorepo', () => {
  const FILES: Record<string, string> = {
    '.gitignore': 'dist/\nnode_modules/\n',
    'packages/ui/package.json': JSON.stringify({ name: '@acme/ui', types: 'dist/index.d.ts', main: 'dist/index.js' }),
    'packages/ui/tsconfig.json': '{\n  // built to dist\n  "compilerOptions": { "outDir": "dist", "rootDir": "src", "declaration": true }\n}\n',
    'packages/ui/src/index.ts': "export * from './button';\n",
    'packages/ui/src/button.ts': 'export function Button(label: string): string {\n  return `<button>${label}</button>`;\n}\n',
    'packages/util/package.json': JSON.stringify({ name: '@acme/util', exports: { '.': { types: './src/index.ts' }, './*': './src/*.ts' } }),
    'packages/util/src/index.ts': 'export const version = 1;\n',
    'packages/util/src/strings.ts': 'export function shout(s: string): string {\n  return s.toUpperCase();\n}\n',
    'packages/legacy/package.json': JSON.stringify({ name: 'legacy', main: 'lib/index.js' }),
    'packages/legacy/src/index.ts': 'export const old = true;\n',
    'apps/web/package.json': JSON.stringify({ name: 'web', private: true }),
    'apps/web/src/page.ts': "import { Button } from '@acme/ui';\nimport { shout } from '@acme/util/strings';\nimport { old } from 'legacy';\nimport React from 'react';\nexport const page = Button(shout('hi')) + String(old);\n",
  };
  let project: TempProject;
  let index: WorkspaceIndex;
  let root: string;
  const uri = (path: string) => project.uri(path);

  beforeAll(async () => {
    project = await TempProject.create('monorepo', FILES);
    index = project.index;
    root = project.root;
  });
  afterAll(() => project.remove());

  test("bare specifiers of the workspace's own packages resolve to their sources", () => {
    const page = uri('apps/web/src/page.ts');
    expect(index.resolve(page, '@acme/ui')).toBe(uri('packages/ui/src/index.ts'));
    expect(index.resolve(page, '@acme/util')).toBe(uri('packages/util/src/index.ts'));
    expect(index.resolve(page, '@acme/util/strings')).toBe(uri('packages/util/src/strings.ts'));
    expect(index.resolve(page, 'legacy')).toBe(uri('packages/legacy/src/index.ts'));
    expect(index.resolve(page, 'react')).toBeUndefined();
    expect(index.resolve(page, '@acme/missing')).toBeUndefined();
    expect(index.importersOf(uri('packages/ui/src/index.ts'))).toEqual([page]);
  });

  test('renaming an export reaches the package that imports it by name', async () => {
    const path = 'packages/ui/src/button.ts';
    const texts = await project.rename(path, 'Button', 'PrimaryButton');
    expect(texts).toEqual({
      [path]: FILES[path].replace('function Button', 'function PrimaryButton'),
      'apps/web/src/page.ts': FILES['apps/web/src/page.ts'].replace('{ Button }', '{ PrimaryButton }').replace('Button(shout', 'PrimaryButton(shout'),
    });
  });

  test('a package.json event updates the packages', async () => {
    writeFileSync(join(root, 'packages/legacy/package.json'), JSON.stringify({ name: 'legacy-renamed', main: 'lib/index.js' }));
    await index.fileChanged(uri('packages/legacy/package.json'));
    expect(index.resolve(uri('apps/web/src/page.ts'), 'legacy')).toBeUndefined();
    expect(index.resolve(uri('apps/web/src/page.ts'), 'legacy-renamed')).toBe(uri('packages/legacy/src/index.ts'));
    rmSync(join(root, 'packages/legacy/package.json'));
    index.fileDeleted(uri('packages/legacy/package.json'));
    expect(index.resolve(uri('apps/web/src/page.ts'), 'legacy-renamed')).toBeUndefined();
  });
});
