/**
 * `make run`: a real edit through the LSP server, as an editor would do it:
 * open the shipped example file, ask for code actions at a variable, rename
 * it through the server, apply the returned WorkspaceEdit, print the diff and
 * the server's statistics (specedit/stats).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createTwoFilesPatch } from 'diff';
import { LspTestClient } from './lsp-client.js';

const file = fileURLToPath(new URL('../../fixtures/demo/cart.ts', import.meta.url));
const uri = pathToFileURL(file).href;
const original = readFileSync(file, 'utf8');

function positionOf(text: string, needle: string): { line: number; character: number } {
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`demo: ${JSON.stringify(needle)} not found in ${file}`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before.at(-1)!.length };
}

const client = new LspTestClient();
try {
  const init = await client.initialize();
  console.log(`server: ${init.serverInfo?.name} ${init.serverInfo?.version}`);
  await client.open(uri, original);

  const at = positionOf(original, 't = 0;');
  const actions = (await client.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri },
    range: { start: at, end: at },
    context: { diagnostics: [] },
  })) as Array<{ title: string; kind?: string }>;
  console.log(`code actions at ${at.line + 1}:${at.character + 1}: ${actions.map((a) => `${a.title} [${a.kind}]`).join('; ')}`);

  const started = performance.now();
  const edit = await client.connection.sendRequest('textDocument/rename', { textDocument: { uri }, position: at, newName: 'total' });
  const ms = performance.now() - started;
  const applied = client.applyWorkspaceEdit(edit as never);
  if (!applied.applied) throw new Error(`demo: the edit was not applied: ${applied.failureReason}`);

  const edited = client.text(uri);
  process.stdout.write(createTwoFilesPatch('fixtures/demo/cart.ts', 'fixtures/demo/cart.ts (edited)', original, edited, 'before', 'rename t -> total in cartTotal'));
  const stats = (await client.connection.sendRequest('specedit/stats')) as { last: { mode: string; stats: Record<string, number> } | null };
  console.log(`edit: rename \`t\` -> \`total\` in cartTotal, ${ms.toFixed(1)} ms round trip, mode ${stats.last?.mode}`);
  console.log(`stats: ${JSON.stringify(stats.last?.stats)}`);
} finally {
  await client.shutdown();
}
