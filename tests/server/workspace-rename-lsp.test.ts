/**
 * Multi-file rename through the real server over stdio: initialize with a
 * temp-directory workspace folder, open some files, textDocument/rename of an
 * exported function; the WorkspaceEdit has one versioned TextDocumentEdit
 * per file (null for files not open) and applying it gives the renamed
 * project. Watched-file events bring new files into the index; files opened
 * and closed stay in it. The expected texts are TypeScript's rename.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentEdit, TextEdit, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { FULL_CAPABILITIES, LspTestClient } from '../../tools/lsp-client.js';
import { positionAt } from '../helpers/text-positions.js';
import type { FileEdit } from '../../protocol/edit-task.js';
import { DocumentStore } from '../../server/document-store.js';
import { requireEditsCurrent } from '../../server/edit-service.js';
import { toWorkspaceEdit } from '../../server/workspace-edits.js';

const FILES: Record<string, string> = {
  'math.ts': 'export function total(values: number[]): number {\n  return values.reduce((a, b) => a + b, 0);\n}\n',
  'index.ts': "export { total } from './math.js';\n",
  'app.ts': "import { total } from './index';\nexport const sum = total([1, 2]);\n",
  'report.ts': "import * as m from './math';\nexport const r = m.total([3]);\nexport type R = typeof m.total;\n",
  'direct.ts': "import { total } from './math';\nexport const d = total([4]);\n",
};

let root: string;
let client: LspTestClient;
const uri = (name: string) => pathToFileURL(join(root, name)).href;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'specedit-lsp-rename-'));
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(root, name), text);
  client = new LspTestClient({
    workspaceFolders: [pathToFileURL(root).href],
    capabilities: { ...FULL_CAPABILITIES, workspace: { ...FULL_CAPABILITIES.workspace, didChangeWatchedFiles: { dynamicRegistration: true } } },
  });
  await client.initialize();
});

afterEach(async () => {
  expect(await client.shutdown()).toBe(0);
  rmSync(root, { recursive: true, force: true });
});

async function renameAt(name: string, marker: string, newName: string): Promise<WorkspaceEdit> {
  const text = client.text(uri(name));
  const position = positionAt(text, text.indexOf(marker));
  return (await client.connection.sendRequest('textDocument/rename', { textDocument: { uri: uri(name) }, position, newName })) as WorkspaceEdit;
}

async function close(name: string): Promise<void> {
  client.docs.delete(uri(name));
  await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: uri(name) } });
}

/** The files the edit changes, by name. */
const names = (edit: WorkspaceEdit) => (edit.documentChanges as TextDocumentEdit[]).map((c) => c.textDocument.uri.split('/').pop()).sort();

/** The project's texts after the edit: open documents from the client, the rest from disk. */
function apply(edit: WorkspaceEdit): Record<string, string> {
  const out: Record<string, string> = {};
  for (const change of edit.documentChanges as TextDocumentEdit[]) {
    const name = change.textDocument.uri.split('/').pop()!;
    const open = client.docs.get(change.textDocument.uri);
    const doc = open ?? TextDocument.create(change.textDocument.uri, 'typescript', 0, readFileSync(join(root, name), 'utf8'));
    out[name] = TextDocument.applyEdits(doc, change.edits as TextEdit[]);
  }
  return out;
}

test('rename of an exported function: one versioned TextDocumentEdit per file, null for files not open', async () => {
  await client.open(uri('math.ts'), FILES['math.ts']);
  await client.open(uri('app.ts'), FILES['app.ts']);
  const v2 = await client.change(uri('app.ts'), [{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text: 'total([]);\n' }]);

  const edit = await renameAt('math.ts', 'total(', 'grandTotal');
  const versions = Object.fromEntries((edit.documentChanges as TextDocumentEdit[]).map((c) => [c.textDocument.uri.split('/').pop(), c.textDocument.version]));
  expect(versions).toEqual({ 'math.ts': 1, 'index.ts': null, 'report.ts': null, 'direct.ts': null });
  // The re-export keeps its public name, so app.ts (open, importing through index.ts) is not touched.
  expect(apply(edit)).toEqual({
    'math.ts': FILES['math.ts'].replace('function total', 'function grandTotal'),
    'index.ts': "export { grandTotal as total } from './math.js';\n",
    'report.ts': "import * as m from './math';\nexport const r = m.grandTotal([3]);\nexport type R = typeof m.grandTotal;\n",
    'direct.ts': "import { grandTotal } from './math';\nexport const d = grandTotal([4]);\n",
  });
  expect(v2).toBe(2);
  // The watchers the client supports were registered for the source files.
  expect(client.registrations).toContainEqual(expect.objectContaining({ method: 'workspace/didChangeWatchedFiles', registerOptions: { watchers: [{ globPattern: '**/*.{ts,tsx,js,jsx,mts,cts,mjs,cjs}' }, { globPattern: '**/{tsconfig,jsconfig}*.json' }, { globPattern: '**/.gitignore' }, { globPattern: '**/package.json' }] } }));
});

test('a rename at an import stays in its file; one at a namespace member renames the export', async () => {
  await client.open(uri('direct.ts'), FILES['direct.ts']);
  const local = await renameAt('direct.ts', 'total([4', 'sum');
  expect(apply(local)).toEqual({ 'direct.ts': "import { total as sum } from './math';\nexport const d = sum([4]);\n" });

  await client.open(uri('report.ts'), FILES['report.ts']);
  const text = client.text(uri('report.ts'));
  const position = positionAt(text, text.indexOf('total;'));
  expect(await client.connection.sendRequest('textDocument/prepareRename', { textDocument: { uri: uri('report.ts') }, position })).toEqual({
    range: { start: position, end: { line: position.line, character: position.character + 'total'.length } },
    placeholder: 'total',
  });
  expect(names(await renameAt('report.ts', 'total;', 'grandTotal'))).toEqual(['direct.ts', 'index.ts', 'math.ts', 'report.ts']);
});

// The eval found exported renames missing files that had been opened and closed earlier in the session.
test('files opened and closed (edited unsaved, too) are still found from disk', async () => {
  for (const name of ['direct.ts', 'report.ts', 'index.ts']) {
    await client.open(uri(name), FILES[name]);
    if (name !== 'index.ts') await renameAt(name, name === 'direct.ts' ? 'total([4' : 'm.', 'local'); // a local rename, as the eval does before
    await client.change(uri(name), [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '// unsaved\n' }]);
    await close(name);
  }
  await client.open(uri('math.ts'), FILES['math.ts']);
  const edit = await renameAt('math.ts', 'total(', 'grandTotal');
  expect(names(edit)).toEqual(['direct.ts', 'index.ts', 'math.ts', 'report.ts']);
  expect((edit.documentChanges as TextDocumentEdit[]).filter((c) => c.textDocument.uri !== uri('math.ts')).map((c) => c.textDocument.version)).toEqual([null, null, null]);
  expect(apply(edit)['direct.ts']).toBe("import { grandTotal } from './math';\nexport const d = grandTotal([4]);\n");
});

test('a refused part refuses the whole rename', async () => {
  writeFileSync(join(root, 'report.ts'), "import { total } from './math';\nconst big = 1;\nexport const r = total([big]);\n");
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri('report.ts'), type: 2 }] });
  await client.open(uri('math.ts'), FILES['math.ts']);
  await expect(renameAt('math.ts', 'total(', 'big')).rejects.toMatchObject({ message: expect.stringMatching(/report\.ts: .*big/) });
});

test('didChangeWatchedFiles brings a new importer into the index', async () => {
  await client.open(uri('math.ts'), FILES['math.ts']);
  const before = await renameAt('math.ts', 'total(', 'grandTotal');
  expect((before.documentChanges as TextDocumentEdit[]).map((c) => c.textDocument.uri)).not.toContain(uri('extra.ts'));

  writeFileSync(join(root, 'extra.ts'), "import { total } from './math.js';\ntotal([]);\n");
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri('extra.ts'), type: 1 }] });
  const after = await renameAt('math.ts', 'total(', 'grandTotal');
  expect(apply(after)['extra.ts']).toBe("import { grandTotal } from './math.js';\ngrandTotal([]);\n");
});

test('importers through tsconfig `paths` are renamed too; a configuration change is picked up', async () => {
  writeFileSync(join(root, 'tsconfig.json'), '{ "compilerOptions": { "baseUrl": ".", "paths": { "@/*": ["./*"] } } }\n');
  writeFileSync(join(root, 'aliased.ts'), "import { total } from '@/math';\nexport const a = total([5]);\n");
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri('tsconfig.json'), type: 1 }, { uri: uri('aliased.ts'), type: 1 }] });
  await client.open(uri('math.ts'), FILES['math.ts']);
  expect(apply(await renameAt('math.ts', 'total(', 'grandTotal'))['aliased.ts']).toBe("import { grandTotal } from '@/math';\nexport const a = grandTotal([5]);\n");

  writeFileSync(join(root, 'tsconfig.json'), '{ "compilerOptions": {} }\n');
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri('tsconfig.json'), type: 2 }] });
  expect(names(await renameAt('math.ts', 'total(', 'grandTotal'))).not.toContain('aliased.ts');
});

describe('edits of several files at the edge', () => {
  const OPEN_URI = 'file:///w/open.ts';
  const DISK_URI = 'file:///w/disk.ts';
  const edits = (openVersion: number): FileEdit[] => [
    { uri: OPEN_URI, version: openVersion, replacements: [{ start: 0, end: 1, newText: 'b' }] },
    { uri: DISK_URI, version: null, replacements: [{ start: 4, end: 5, newText: 'b' }] },
  ];
  const storeWith = () => {
    const store = new DocumentStore();
    store.open(OPEN_URI, 'typescript', 3, 'a();\n');
    return store;
  };

  test('every open file must still be at its version; a file read from disk must still be closed', () => {
    const store = storeWith();
    expect(() => requireEditsCurrent(store, edits(3))).not.toThrow();
    expect(() => requireEditsCurrent(store, edits(2))).toThrow(expect.objectContaining({ code: -32801, message: expect.stringMatching(/open\.ts changed/) }));
    store.open(DISK_URI, 'typescript', 1, 'x = a;\n');
    expect(() => requireEditsCurrent(store, edits(3))).toThrow(expect.objectContaining({ code: -32801, message: expect.stringMatching(/disk\.ts was opened/) }));
  });

  test('files not open are mapped on the disk text they were computed on, in both WorkspaceEdit forms', () => {
    const store = storeWith();
    const disk = (uri: string) => (uri === DISK_URI ? 'let\nx = a;\n' : undefined);
    const range = (line: number, from: number) => ({ start: { line, character: from }, end: { line, character: from + 1 } });
    expect(toWorkspaceEdit(edits(3), store, true, disk)).toEqual({
      documentChanges: [
        { textDocument: { uri: OPEN_URI, version: 3 }, edits: [{ range: range(0, 0), newText: 'b' }] },
        { textDocument: { uri: DISK_URI, version: null }, edits: [{ range: range(1, 0), newText: 'b' }] },
      ],
    });
    expect(toWorkspaceEdit(edits(3), store, false, disk)).toEqual({
      changes: { [OPEN_URI]: [{ range: range(0, 0), newText: 'b' }], [DISK_URI]: [{ range: range(1, 0), newText: 'b' }] },
    });
    expect(() => toWorkspaceEdit(edits(3), store, true)).toThrow(/disk\.ts/);
  });
});
