/**
 * Rename of exported bindings across files: a temp-directory project, one
 * file open (its text differs from the disk), the others read from disk;
 * the workspace index says who imports whom. The expected texts are what
 * TypeScript's rename (findRenameLocations with prefix and suffix text, the
 * eval's oracle) gives for the same project.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EditPipeline } from '../../engine/edit-pipeline.js';
import type { DocumentSnapshot, EditContext, EditOutcome } from '../../protocol/edit-task.js';
import { applyReplacements } from '../../protocol/text.js';
import { WorkspaceIndex } from '../../workspace/workspace-index.js';
import { SyntaxDocument } from '../../syntax/syntax-document.js';
import { TempProject } from '../helpers/temp-project.js';

const PROJECT: Record<string, string> = {
  'src/math.ts': `export function total(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
export const unrelated = 1;
`,
  'src/index.ts': `export { total } from './math.js';
export * from './format';
`,
  'src/format.ts': `export function format(n: number): string {
  return n.toFixed(2);
}
`,
  'src/report.ts': `import { total as sum } from './math';
import * as math from './math.js';
export const a = sum([1]) + math.total([2]) + math.unrelated;
export type T = typeof math.total;
`,
  'src/checkout.ts': `import { total, format } from './index';
const subtotal = 1;
export const due = format(total([subtotal]));
`,
  'src/cart.ts': `import { total } from './math';
export function cartTotal(prices: number[]): number {
  return total(prices);
}
function shadow(total: number) {
  return total * 2;
}
`,
};

/** The open document: one more use than the disk has (the edit must be computed on it). */
const OPEN = 'src/cart.ts';
const OPEN_TEXT = PROJECT[OPEN] + 'export const again = total([3]);\n';

let root: string;
let index: WorkspaceIndex;
const uri = (path: string) => pathToFileURL(join(root, path)).href;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'specedit-rename-'));
  for (const [path, text] of Object.entries(PROJECT)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  index = new WorkspaceIndex();
  await index.start([pathToFileURL(root).href]);
  const open = new SyntaxDocument('typescript', OPEN_TEXT);
  index.documentChanged(uri(OPEN), () => ({ languageId: 'typescript', text: open.text, tree: open.tree }));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function rename(path: string, marker: string, newName: string, workspace = true): Promise<EditOutcome> {
  const document: DocumentSnapshot = path === OPEN
    ? { uri: uri(path), languageId: 'typescript', version: 7, text: OPEN_TEXT }
    : { uri: uri(path), languageId: 'typescript', version: 1, text: PROJECT[path] };
  const readFile = async (u: string): Promise<DocumentSnapshot | undefined> => {
    if (u === uri(OPEN)) return { uri: u, languageId: 'typescript', version: 7, text: OPEN_TEXT };
    const rel = Object.keys(PROJECT).find((p) => uri(p) === u);
    return rel ? { uri: u, languageId: 'typescript', version: null, text: readFileSync(join(root, rel), 'utf8') } : undefined;
  };
  const context: EditContext = { signal: new AbortController().signal, readFile, ...(workspace ? { workspace: index } : {}) };
  const offset = document.text.indexOf(marker);
  if (offset < 0) throw new Error(`no ${marker} in ${path}`);
  const pipeline = new EditPipeline({ models: { unavailable: 'no models in this test' } });
  return pipeline.computeEdit({ kind: 'rename', document, range: { start: offset, end: offset }, args: { newName } }, context);
}

/** The texts after applying the outcome's edits, by path; versions by path. */
function applied(outcome: EditOutcome): { texts: Record<string, string>; versions: Record<string, number | null>; title: string } {
  if (outcome.status !== 'ok') throw new Error(`rename failed: ${JSON.stringify(outcome)}`);
  const texts: Record<string, string> = {};
  const versions: Record<string, number | null> = {};
  for (const edit of outcome.result.edits) {
    const path = Object.keys(PROJECT).find((p) => uri(p) === edit.uri)!;
    texts[path] = applyReplacements(path === OPEN ? OPEN_TEXT : PROJECT[path], edit.replacements);
    versions[path] = edit.version;
  }
  return { texts, versions, title: outcome.result.title };
}

const EXPECTED_GRAND_TOTAL = {
  'src/math.ts': PROJECT['src/math.ts'].replace('function total', 'function grandTotal'),
  // An explicit re-export keeps its public name; its importers (checkout.ts) are not touched.
  'src/index.ts': PROJECT['src/index.ts'].replace('{ total }', '{ grandTotal as total }'),
  'src/report.ts': PROJECT['src/report.ts'].replace('{ total as sum }', '{ grandTotal as sum }').replaceAll('math.total', 'math.grandTotal'),
  'src/cart.ts': OPEN_TEXT.replace('{ total }', '{ grandTotal }').replace('return total(prices)', 'return grandTotal(prices)').replace('again = total(', 'again = grandTotal('),
};

test('renaming the exported declaration reaches importers, aliases and namespace members; a re-export keeps its name', async () => {
  const { texts, versions, title } = applied(await rename('src/math.ts', 'total(', 'grandTotal'));
  expect(texts).toEqual(EXPECTED_GRAND_TOTAL);
  // Open files' edits are tied to their versions (the task's document, cart.ts); files read from disk carry null.
  expect(versions).toEqual({ 'src/math.ts': 1, 'src/index.ts': null, 'src/report.ts': null, 'src/cart.ts': 7 });
  expect(title).toBe('Rename `total` to `grandTotal` (8 occurrences in 4 files)');
});

test('`export * from` passes the new name on to the importers of the re-exporting module', async () => {
  const { texts } = applied(await rename('src/format.ts', 'format(', 'show'));
  expect(texts).toEqual({
    'src/format.ts': PROJECT['src/format.ts'].replace('function format', 'function show'),
    'src/checkout.ts': PROJECT['src/checkout.ts'].replace('{ total, format }', '{ total, show }').replace('= format(', '= show('),
  });
});

test('renaming at an import or its uses stays in the file: `import {a as b}`', async () => {
  const local = OPEN_TEXT.replace('{ total }', '{ total as grandTotal }').replace('return total(prices)', 'return grandTotal(prices)').replace('again = total(', 'again = grandTotal(');
  expect(applied(await rename(OPEN, 'total(prices)', 'grandTotal')).texts).toEqual({ [OPEN]: local });
  expect(applied(await rename(OPEN, 'total }', 'grandTotal')).texts).toEqual({ [OPEN]: local });
  expect(applied(await rename('src/checkout.ts', 'total,', 'grandTotal')).texts).toEqual({
    'src/checkout.ts': PROJECT['src/checkout.ts'].replace('{ total,', '{ total as grandTotal,').replace('format(total(', 'format(grandTotal('),
  });
});

test('renaming at a namespace member (`ns.a`, `typeof ns.a`) renames the export, as at its declaration', async () => {
  expect(applied(await rename('src/report.ts', 'total([2])', 'grandTotal')).texts).toEqual(EXPECTED_GRAND_TOTAL);
  expect(applied(await rename('src/report.ts', 'total;', 'grandTotal')).texts).toEqual(EXPECTED_GRAND_TOTAL);
  expect(applied(await rename('src/report.ts', 'unrelated;', 'other')).texts).toEqual({
    'src/math.ts': PROJECT['src/math.ts'].replace('const unrelated', 'const other'),
    'src/report.ts': PROJECT['src/report.ts'].replace('math.unrelated', 'math.other'),
  });
});

test('shadowing in an importer is respected', async () => {
  const { texts } = applied(await rename('src/math.ts', 'total(', 'grandTotal'));
  expect(texts[OPEN]).toContain('function shadow(total: number) {\n  return total * 2;');
});

test('an alias or a namespace member keeps the importer local names', async () => {
  const { texts } = applied(await rename('src/math.ts', 'total(', 'sum'));
  // `import {total as sum}` becomes `import {sum as sum}`: correct, and the local name `sum` stays.
  expect(texts['src/report.ts']).toContain('import { sum as sum }');
  expect(texts['src/report.ts']).toContain('math.sum([2])');
});

test('a capture in one importer refuses the whole rename, naming the file', async () => {
  const outcome = await rename('src/math.ts', 'total(', 'cartTotal');
  expect(outcome).toEqual({ status: 'unavailable', reason: expect.stringMatching(/^src\/cart\.ts: .*cartTotal/) });
});

test('renaming an aliased import stays local', async () => {
  const { texts } = applied(await rename('src/report.ts', 'sum([1])', 'add'));
  expect(Object.keys(texts)).toEqual(['src/report.ts']);
  expect(texts['src/report.ts']).toContain('import { total as add }');
});

test('without a workspace the rename stays in its file, as before', async () => {
  const { texts } = applied(await rename('src/math.ts', 'total(', 'grandTotal', false));
  expect(Object.keys(texts)).toEqual(['src/math.ts']);
});

test('a binding that is not exported is renamed in its file only', async () => {
  const { texts } = applied(await rename(OPEN, 'total: number', 'amount'));
  expect(texts).toEqual({ [OPEN]: OPEN_TEXT.replace('shadow(total: number)', 'shadow(amount: number)').replace('return total * 2', 'return amount * 2') });
});

describe('export clauses and default exports', () => {
  const FILES: Record<string, string> = {
    'lib.ts': 'function helper() {}\nfunction inner() {}\nconst local = 1;\nexport { helper, inner as publicName };\nexport default function main() {}\nexport { local };\nexport function tool() {}\n',
    'relay.ts': "import { helper, tool } from './lib';\nexport { helper, tool };\nhelper(); tool();\n",
    'use.ts': "import main, { helper, publicName, tool } from './lib';\nimport { helper as h, tool as t } from './relay';\nimport * as L from './lib';\nmain(); helper(); publicName(); h(); tool(); t(); L.helper();\n",
  };
  let dir: string;
  let workspace: WorkspaceIndex;
  const at = (path: string) => pathToFileURL(join(dir, path)).href;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'specedit-rename-clauses-'));
    for (const [path, text] of Object.entries(FILES)) writeFileSync(join(dir, path), text);
    workspace = new WorkspaceIndex();
    await workspace.start([pathToFileURL(dir).href]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function check(path: string, marker: string, newName: string): Promise<Record<string, string>> {
    const outcome = await outcomeOf(path, marker, newName);
    if (outcome.status !== 'ok') throw new Error(JSON.stringify(outcome));
    return Object.fromEntries(outcome.result.edits.map((e) => {
      const name = Object.keys(FILES).find((p) => at(p) === e.uri)!;
      return [name, applyReplacements(FILES[name], e.replacements)];
    }));
  }

  async function outcomeOf(path: string, marker: string, newName: string): Promise<EditOutcome> {
    const document = { uri: at(path), languageId: 'typescript', version: 1, text: FILES[path] };
    const readFile = async (u: string) => {
      const name = Object.keys(FILES).find((p) => at(p) === u);
      return name ? { uri: u, languageId: 'typescript', version: null, text: FILES[name] } : undefined;
    };
    const offset = FILES[path].indexOf(marker);
    const pipeline = new EditPipeline({ models: { unavailable: 'none' } });
    return pipeline.computeEdit({ kind: 'rename', document, range: { start: offset, end: offset }, args: { newName } }, { signal: new AbortController().signal, readFile, workspace });
  }

  test('`export {a}` of a local keeps its public name: `export {b as a}`, no importer changes', async () => {
    expect(await check('lib.ts', 'helper()', 'assist')).toEqual({
      'lib.ts': FILES['lib.ts'].replace('function helper', 'function assist').replace('{ helper,', '{ assist as helper,'),
    });
  });

  test('an imported-then-exported name: the import follows, the export keeps its public name', async () => {
    expect(await check('lib.ts', 'tool()', 'gadget')).toEqual({
      'lib.ts': FILES['lib.ts'].replace('function tool', 'function gadget'),
      'relay.ts': "import { helper, gadget } from './lib';\nexport { helper, gadget as tool };\nhelper(); gadget();\n",
      'use.ts': FILES['use.ts'].replace('publicName, tool }', 'publicName, gadget }').replace(' tool();', ' gadget();'),
    });
  });

  test('a namespace member exported by a clause is refused with the place to rename', async () => {
    expect(await outcomeOf('use.ts', 'helper();\n', 'assist')).toEqual({ status: 'unavailable', reason: expect.stringMatching(/`helper` is not declared with `export` in .*lib\.ts/) });
  });

  test('`export {a as c}` renames only the local side; importers of `c` are untouched', async () => {
    expect(await check('lib.ts', 'inner()', 'core')).toEqual({ 'lib.ts': FILES['lib.ts'].replace('function inner', 'function core').replace('inner as', 'core as') });
  });

  test("a default export's local name changes no importer", async () => {
    expect(await check('lib.ts', 'main()', 'run')).toEqual({ 'lib.ts': FILES['lib.ts'].replace('function main', 'function run') });
  });

  test('an export clause of a local keeps its name', async () => {
    expect(await check('lib.ts', 'local =', 'shared')).toEqual({ 'lib.ts': FILES['lib.ts'].replace('const local', 'const shared').replace('{ local }', '{ shared as local }') });
  });
});

test('a name the models chose for an exported binding reaches its importers too', async () => {
  const suggested: EditOutcome = {
    status: 'ok',
    result: { title: 'Rename `total` to `grandTotal`', mode: 'rank', edits: [], stats: { drafted: 3, accepted: 2, verifierCalls: 1, outputTokens: 2, wallMs: 1 } as never, considered: ['grandTotal', 'sum'] },
  };
  const models = { computeEdit: async () => suggested, dispose: async () => {} };
  const document: DocumentSnapshot = { uri: uri('src/math.ts'), languageId: 'typescript', version: 1, text: PROJECT['src/math.ts'] };
  const readFile = async (u: string) => {
    const rel = Object.keys(PROJECT).find((p) => uri(p) === u);
    return rel === OPEN ? { uri: u, languageId: 'typescript', version: 7, text: OPEN_TEXT } : rel ? { uri: u, languageId: 'typescript', version: null, text: PROJECT[rel] } : undefined;
  };
  const offset = document.text.indexOf('total(');
  const outcome = await new EditPipeline({ models }).computeEdit({ kind: 'rename', document, range: { start: offset, end: offset + 5 }, args: {} }, { signal: new AbortController().signal, readFile, workspace: index });
  const { texts } = applied(outcome);
  expect(texts).toEqual(EXPECTED_GRAND_TOTAL);
  // The models' mode, statistics and alternatives stay.
  expect(outcome).toMatchObject({ result: { mode: 'rank', considered: ['grandTotal', 'sum'], stats: { drafted: 3 } } });
});

describe('`export * as ns from`: the renamed export is the member `ns.a` for the importers of `ns`', () => {
  // Expected texts: TypeScript's findRenameLocations on the same project.
  const NS_PROJECT: Record<string, string> = {
    'src/utils.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n',
    'src/index.ts': "export * as utils from './utils';\n",
    'src/barrel.ts': "export * from './index';\n",
    'src/app.ts': "import { utils } from './index';\nimport { utils as u } from './barrel';\nexport const x = utils.add(1, 2) + u.add(3, 4);\nconst add = 5;\nexport const y = add;\n",
  };
  let project: TempProject;
  beforeAll(async () => (project = await TempProject.create('ns-rename', NS_PROJECT)));
  afterAll(() => project.remove());

  test('through `export * as` and a further `export *`, aliased or not; a local of the same name stays', async () => {
    const texts = await project.rename('src/utils.ts', 'add', 'sum');
    expect(texts).toEqual({
      'src/utils.ts': NS_PROJECT['src/utils.ts'].replace('function add', 'function sum'),
      'src/app.ts': NS_PROJECT['src/app.ts'].replace('utils.add(1, 2) + u.add(3, 4)', 'utils.sum(1, 2) + u.sum(3, 4)'),
    });
  });
});
