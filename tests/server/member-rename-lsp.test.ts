/**
 * A cross-file class member rename through the real server over stdio:
 * prepareRename offers the member, textDocument/rename answers TypeScript's
 * rename as one versioned TextDocumentEdit per file (null for files not
 * open), the open file's unsaved text included.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentEdit, TextEdit, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { FULL_CAPABILITIES, LspTestClient } from '../../tools/lsp-client.js';
import { positionAt } from '../helpers/text-positions.js';

const FILES: Record<string, string> = {
  'tsconfig.json': '{ "compilerOptions": { "strict": true, "target": "ES2022", "module": "ESNext", "moduleResolution": "Bundler" } }\n',
  'cart.ts': 'export class Cart {\n  items: string[] = [];\n  add(item: string): this {\n    this.items.push(item);\n    return this;\n  }\n}\n',
  'shop.ts': "import { Cart } from './cart';\nexport const cart = new Cart().add('a');\n",
  'report.ts': "import { cart } from './shop';\nexport const count = cart.add('b').items.length;\n",
  'index.ts': "export { Cart } from './cart';\n",
  'use.ts': "import { Cart } from './index';\nexport const empty = new Cart();\n",
};

let root: string;
let client: LspTestClient;
const uri = (name: string) => pathToFileURL(join(root, name)).href;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'specedit-lsp-member-'));
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(root, name), text);
  client = new LspTestClient({ workspaceFolders: [pathToFileURL(root).href], capabilities: FULL_CAPABILITIES });
  await client.initialize();
});

afterEach(async () => {
  expect(await client.shutdown()).toBe(0);
  rmSync(root, { recursive: true, force: true });
});

function apply(edit: WorkspaceEdit): Record<string, string> {
  const out: Record<string, string> = {};
  for (const change of edit.documentChanges as TextDocumentEdit[]) {
    const name = change.textDocument.uri.split('/').pop()!;
    const doc = client.docs.get(change.textDocument.uri) ?? TextDocument.create(change.textDocument.uri, 'typescript', 0, readFileSync(join(root, name), 'utf8'));
    out[name] = TextDocument.applyEdits(doc, change.edits as TextEdit[]);
  }
  return out;
}

test('a method renamed at a use in another file: every file, open ones at their version', async () => {
  await client.open(uri('report.ts'), FILES['report.ts']);
  const unsaved = FILES['report.ts'] + "cart.add('c');\n";
  await client.change(uri('report.ts'), [{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text: "cart.add('c');\n" }]);
  const text = client.text(uri('report.ts'));
  const position = positionAt(text, text.indexOf("add('b')"));
  expect(await client.connection.sendRequest('textDocument/prepareRename', { textDocument: { uri: uri('report.ts') }, position })).toMatchObject({ placeholder: 'add' });
  const edit = (await client.connection.sendRequest('textDocument/rename', { textDocument: { uri: uri('report.ts') }, position, newName: 'append' }, )) as WorkspaceEdit;
  const versions = Object.fromEntries((edit.documentChanges as TextDocumentEdit[]).map((c) => [c.textDocument.uri.split('/').pop(), c.textDocument.version]));
  expect(versions).toEqual({ 'cart.ts': null, 'shop.ts': null, 'report.ts': 2 });
  expect(apply(edit)).toEqual({
    'cart.ts': FILES['cart.ts'].replace('add(item', 'append(item'),
    'shop.ts': FILES['shop.ts'].replace('.add(', '.append('),
    'report.ts': unsaved.replaceAll('.add(', '.append('),
  });
}, 60_000);

test('a name re-exported from another module (`export { Cart } from`) is offered and renamed as TypeScript renames it', async () => {
  const index = FILES['index.ts'];
  await client.open(uri('index.ts'), index);
  const position = positionAt(index, index.indexOf('Cart'));
  expect(await client.connection.sendRequest('textDocument/prepareRename', { textDocument: { uri: uri('index.ts') }, position })).toMatchObject({ placeholder: 'Cart' });
  const edit = (await client.connection.sendRequest('textDocument/rename', { textDocument: { uri: uri('index.ts') }, position, newName: 'Basket' })) as WorkspaceEdit;
  // As TypeScript renames there: the public name, and its importers; the class keeps its name.
  expect(apply(edit)).toEqual({
    'index.ts': index.replace('Cart', 'Cart as Basket'),
    'use.ts': FILES['use.ts'].replaceAll('Cart', 'Basket'),
  });
}, 60_000);
