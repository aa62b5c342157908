/**
 * The real server over stdio (the built dist/server/main.js), driven by an
 * LSP client like an editor: initialize, didOpen, incremental didChange,
 * codeAction, resolve, executeCommand/applyEdit, version races, bad params.
 */
import { LspTestClient } from '../../tools/lsp-client.js';
import { markers } from '../helpers/text-positions.js';
import type { CodeAction, WorkspaceEdit } from 'vscode-languageserver-protocol';

const URI = 'file:///workspace/src/sample.ts';
const SOURCE = `export function sum(values: number[]): number {
  let acc = 0;
  for (let i = 0; i < values.length; i++) {
    acc += values[i];
  }
  return acc;
}
`;

let client: LspTestClient;

async function codeActions(uri: string, start: { line: number; character: number }, end = start, diagnostics: unknown[] = []) {
  return (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: { start, end }, context: { diagnostics } })) as CodeAction[];
}

function find(actions: CodeAction[], kind: string): CodeAction {
  const action = actions.find((a) => (a.data as { kind?: string } | undefined)?.kind === kind);
  if (!action) throw new Error(`no ${kind} action among ${actions.map((a) => a.title).join(', ')}`);
  return action;
}

async function expectError(promise: Promise<unknown>, code: number, message: RegExp) {
  await expect(promise).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
}

beforeEach(async () => {
  client = new LspTestClient();
  await client.initialize();
});

afterEach(async () => {
  const code = await client.shutdown();
  expect(code).toBe(0);
});

test('initialize declares incremental sync, resolvable code actions and the commands', async () => {
  const other = new LspTestClient();
  const result = await other.initialize();
  await other.shutdown();
  expect(result.capabilities.textDocumentSync).toMatchObject({ openClose: true, change: 2 });
  expect(result.capabilities.codeActionProvider).toMatchObject({ resolveProvider: true });
  expect(result.capabilities.executeCommandProvider?.commands).toEqual(['specedit.apply', 'specedit.edit']);
});

test('syntax diagnostics follow incremental changes', async () => {
  await client.open(URI, SOURCE);
  expect(await client.waitForDiagnostics(URI, 1)).toEqual([]);
  // Delete the closing parenthesis of the for-loop header: a syntax error.
  const v2 = await client.change(URI, [{ range: { start: { line: 2, character: 40 }, end: { line: 2, character: 41 } }, text: "" }]);
  const errors = await client.waitForDiagnostics(URI, v2);
  expect(errors.length).toBeGreaterThan(0);
  expect(errors[0]).toMatchObject({ source: 'specedit', severity: 1 });
  const v3 = await client.change(URI, [{ range: { start: { line: 2, character: 40 }, end: { line: 2, character: 40 } }, text: ")" }]);
  expect(await client.waitForDiagnostics(URI, v3)).toEqual([]);
});

test('code actions come from the tree at the range and carry their data', async () => {
  await client.open(URI, SOURCE);
  const onAcc = await codeActions(URI, { line: 1, character: 7 });
  const rename = find(onAcc, 'rename');
  expect(rename.kind).toBe('refactor.rewrite');
  expect(rename.data).toEqual({ uri: URI, version: 1, kind: 'rename', range: { start: { line: 1, character: 6 }, end: { line: 1, character: 9 } } });
  expect(rename.edit).toBeUndefined();

  const inLoop = await codeActions(URI, { line: 3, character: 6 });
  expect(find(inLoop, 'optimizeLoop').data).toMatchObject({ range: { start: { line: 2, character: 2 }, end: { line: 4, character: 3 } } });

  const statements = await codeActions(URI, { line: 1, character: 0 }, { line: 4, character: 3 });
  expect(find(statements, 'extract').kind).toBe('refactor.extract.function');
  expect(statements.some((a) => a.command?.command === 'specedit.edit')).toBe(true);

  const only = (await client.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri: URI },
    range: { start: { line: 3, character: 6 }, end: { line: 3, character: 6 } },
    context: { diagnostics: [], only: ['quickfix'] },
  })) as CodeAction[];
  expect(only).toEqual([]);
});

test('a diagnostic in the context gets a quick fix', async () => {
  await client.open(URI, SOURCE);
  const diagnostic = { range: { start: { line: 3, character: 4 }, end: { line: 3, character: 7 } }, message: "Cannot find name 'ac'.", source: 'typescript', code: 2304 };
  const actions = await codeActions(URI, { line: 3, character: 5 }, undefined, [diagnostic]);
  const fix = find(actions, 'fix');
  expect(fix).toMatchObject({ kind: 'quickfix', diagnostics: [diagnostic], title: "Fix: Cannot find name 'ac'." });
  expect(fix.data).toMatchObject({ args: { diagnostic: { message: "Cannot find name 'ac'.", source: 'typescript', code: 2304 } } });
});

test('resolve computes the edit; applying it gives the expected text', async () => {
  await client.open(URI, SOURCE);
  const rename = find(await codeActions(URI, { line: 5, character: 10 }), 'rename');
  (rename.data as { args: object }).args = { newName: 'total' };
  const resolved = (await client.connection.sendRequest('codeAction/resolve', rename)) as CodeAction;
  expect(resolved.edit?.documentChanges).toEqual([
    {
      textDocument: { uri: URI, version: 1 },
      edits: [
        { range: { start: { line: 1, character: 6 }, end: { line: 1, character: 9 } }, newText: 'total' },
        { range: { start: { line: 3, character: 4 }, end: { line: 3, character: 7 } }, newText: 'total' },
        { range: { start: { line: 5, character: 9 }, end: { line: 5, character: 12 } }, newText: 'total' },
      ],
    },
  ]);
  expect(client.applyWorkspaceEdit(resolved.edit!)).toEqual({ applied: true });
  expect(client.text(URI)).toBe(SOURCE.replace(/\bacc\b/g, 'total'));
  const stats = (await client.connection.sendRequest('specedit/stats')) as { totals: { edits: number }; last: { kind: string; mode: string } };
  expect(stats.totals.edits).toBe(1);
  expect(stats.last).toMatchObject({ kind: 'rename', mode: 'structural' });
});

test('edits follow incremental changes made before the request', async () => {
  const { text, at } = markers('const a = 1;\nconst b = a + 2;\n$0');
  await client.open(URI, text);
  await client.change(URI, [
    { range: { start: at[0], end: at[0] }, text: 'console.log(a, b);\n' },
    { range: { start: { line: 0, character: 10 }, end: { line: 0, character: 11 } }, text: '41' },
  ]);
  const edit = (await client.connection.sendRequest('textDocument/rename', { textDocument: { uri: URI }, position: { line: 0, character: 6 }, newName: 'answer' })) as WorkspaceEdit;
  expect(client.applyWorkspaceEdit(edit).applied).toBe(true);
  expect(client.text(URI)).toBe('const answer = 41;\nconst b = answer + 2;\nconsole.log(answer, b);\n');
});

test('a model-backed action with a missing model fails clearly, names the file, and the server keeps answering', async () => {
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { specedit: { verifierModel: '/nonexistent/verifier.gguf' } } });
  await client.open(URI, SOURCE);
  const loop = find(await codeActions(URI, { line: 3, character: 6 }), 'optimizeLoop');
  await expectError(client.connection.sendRequest('codeAction/resolve', loop), -32803, /\/nonexistent\/verifier\.gguf/);
  expect(find(await codeActions(URI, { line: 1, character: 7 }), 'rename')).toBeDefined();
  const edit = await client.connection.sendRequest('textDocument/rename', { textDocument: { uri: URI }, position: { line: 1, character: 7 }, newName: 'total' });
  expect(client.applyWorkspaceEdit(edit as WorkspaceEdit).applied).toBe(true);
});

test('version race: the document changed after the action was offered, nothing is applied', async () => {
  await client.open(URI, SOURCE);
  const rename = find(await codeActions(URI, { line: 1, character: 7 }), 'rename');
  (rename.data as { args: object }).args = { newName: 'total' };
  await client.change(URI, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '// typed meanwhile\n' }]);
  await expectError(client.connection.sendRequest('codeAction/resolve', rename), -32801, /changed since this edit was requested \(version 1, now 2\); nothing was applied/);
  expect(client.text(URI)).toBe('// typed meanwhile\n' + SOURCE);
});

test('executeCommand applies through workspace/applyEdit', async () => {
  await client.open(URI, SOURCE);
  const data = { uri: URI, version: 1, kind: 'rename', range: { start: { line: 1, character: 6 }, end: { line: 1, character: 9 } }, args: { newName: 'total' } };
  const result = (await client.connection.sendRequest('workspace/executeCommand', { command: 'specedit.apply', arguments: [data] })) as { applied: boolean; mode: string };
  expect(result).toMatchObject({ applied: true, mode: 'structural' });
  expect(client.appliedEdits).toHaveLength(1);
  expect(client.text(URI)).toBe(SOURCE.replace(/\bacc\b/g, 'total'));
});

test('action data leaves out empty args; `null` args (Emacs writes `{}` back as null) count as empty', async () => {
  await client.open(URI, SOURCE);
  const loop = find(await codeActions(URI, { line: 1, character: 0 }, { line: 4, character: 3 }), 'extract');
  expect(loop.data).not.toHaveProperty('args');
  const result = (await client.connection.sendRequest('workspace/executeCommand', { command: 'specedit.apply', arguments: [{ ...(loop.data as object), args: null }] })) as { applied: boolean };
  expect(result.applied).toBe(true);
  // The name is the models' choice (SmolLM2 when fetched), else the default `extracted`.
  expect(client.text(URI)).toMatch(/function [A-Za-z_$][\w$]*\(values: number\[\]\)/);
});

test('clients without resolve get command actions; without applyEdit the edit is refused', async () => {
  const noResolve = new LspTestClient({
    capabilities: { textDocument: { codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['refactor'] } } } }, workspace: { applyEdit: true } },
  });
  await noResolve.initialize();
  await noResolve.open(URI, SOURCE);
  const actions = (await noResolve.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri: URI },
    range: { start: { line: 1, character: 7 }, end: { line: 1, character: 7 } },
    context: { diagnostics: [] },
  })) as CodeAction[];
  const rename = find(actions, 'rename');
  expect(rename.command).toMatchObject({ command: 'specedit.apply', arguments: [rename.data] });
  expect(await noResolve.shutdown()).toBe(0);

  const noApply = new LspTestClient({ capabilities: { workspace: { applyEdit: false } } });
  await noApply.initialize();
  await noApply.open(URI, SOURCE);
  const args = [{ ...(rename.data as object), args: { newName: 'total' } }];
  await expect(noApply.connection.sendRequest('workspace/executeCommand', { command: 'specedit.apply', arguments: args })).rejects.toMatchObject({
    message: expect.stringMatching(/did not declare workspace.applyEdit.*nothing was changed/),
  });
  expect(noApply.text(URI)).toBe(SOURCE);
  expect(await noApply.shutdown()).toBe(0);
});

test('an editor with neither resolve nor applyEdit (Vim with ALE) gets the edits that need no model inside the actions', async () => {
  const editOnly = new LspTestClient({
    capabilities: { textDocument: { codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor'] } } } }, workspace: { applyEdit: false } },
  });
  await editOnly.initialize();
  await editOnly.open(URI, SOURCE);
  const actions = (await editOnly.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri: URI },
    range: { start: { line: 1, character: 0 }, end: { line: 4, character: 3 } },
    context: { diagnostics: [] },
  })) as CodeAction[];
  // Only what can be applied: no rename with a suggested name, loop rewrite or instruction (they need the models).
  expect(actions.map((a) => a.kind)).toEqual(['refactor.extract.function']);
  expect(actions[0].command).toBeUndefined();
  expect(actions[0].data).toBeUndefined();
  expect(editOnly.applyWorkspaceEdit(actions[0].edit as WorkspaceEdit).applied).toBe(true);
  expect(editOnly.text(URI)).toMatch(/let acc = extracted\(values\);/);

  // A syntax error: its fix, found without a model, comes with its edit too.
  const BROKEN_URI = 'file:///tmp/specedit-broken.ts';
  const broken = SOURCE.replace('i++) {', 'i++ {');
  await editOnly.open(BROKEN_URI, broken);
  const at = { line: 2, character: broken.split('\n')[2].indexOf('{') };
  const fixes = (await editOnly.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri: BROKEN_URI },
    range: { start: at, end: at },
    context: { diagnostics: [] },
  })) as CodeAction[];
  const fix = fixes.find((a) => a.kind === 'quickfix');
  expect(fix?.edit).toBeDefined();
  expect(editOnly.applyWorkspaceEdit(fix!.edit as WorkspaceEdit).applied).toBe(true);
  expect(editOnly.text(BROKEN_URI)).toBe(SOURCE);
  expect(await editOnly.shutdown()).toBe(0);
});

test('bad params get JSON-RPC errors and the server keeps answering', async () => {
  await client.open(URI, SOURCE);
  const range = (line: number, character: number) => ({ start: { line, character }, end: { line, character } });
  // Positions past a line's end (or the last line) are clamped, as LSP says; positions that are not positions are refused.
  expect(Array.isArray(await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri: URI }, range: range(99, 0), context: { diagnostics: [] } }))).toBe(true);
  expect(Array.isArray(await codeActions(URI, { line: 1, character: 200 }))).toBe(true);
  await expectError(client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri: URI }, range: range(-1, 0), context: { diagnostics: [] } }), -32602, /range\.start\.line/);
  await expectError(client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri: URI }, range: range(1, 0.5), context: { diagnostics: [] } }), -32602, /character/);
  await expectError(client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri: 'file:///nope.ts' }, range: range(0, 0), context: { diagnostics: [] } }), -32602, /not open/);
  await expectError(client.connection.sendRequest('workspace/executeCommand', { command: 'specedit.nope', arguments: [] }), -32602, /unknown command/);
  await expectError(client.connection.sendRequest('workspace/executeCommand', { command: 'specedit.apply', arguments: [{ uri: URI }] }), -32602, /needs one argument/);
  await expectError(client.connection.sendRequest('workspace/executeCommand', { command: 'specedit.edit', arguments: [{ uri: URI, range: range(0, 0), instruction: '  ' }] }), -32602, /instruction is empty/);
  await expectError(client.connection.sendRequest('codeAction/resolve', { title: 'x', data: { uri: URI, kind: 'explode' } }), -32602, /malformed code action data/);
  await expectError(
    client.connection.sendRequest('textDocument/rename', { textDocument: { uri: URI }, position: { line: 1, character: 7 }, newName: 'class' }),
    -32803,
    /class/,
  );
  // Resolve of an action without data (Neovim 0.7 does this) returns it unchanged.
  expect(await client.connection.sendRequest('codeAction/resolve', { title: 'plain' })).toEqual({ title: 'plain' });
  expect(find(await codeActions(URI, { line: 1, character: 7 }), 'rename')).toBeDefined();
});

test('invalid settings are logged and ignored', async () => {
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { specedit: { threads: 0, logLevel: 'debug' } } });
  await client.open(URI, SOURCE);
  await codeActions(URI, { line: 1, character: 7 });
  expect(client.logs.some((l) => l.type === 2 && /invalid setting "threads"/.test(l.message))).toBe(true);
  expect(client.logs.some((l) => /codeAction \d+\.\d ms/.test(l.message))).toBe(true);
});
