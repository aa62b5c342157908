/**
 * `make run`: real edits through the LSP server, as an editor would do them,
 * on fixtures/demo/cart.ts. First a rename (structural: scope analysis, no
 * model); then an instruction edit the verifier model writes (SmolLM2-135M-
 * Instruct when `make smollm2` fetched it, else the shipped verifier): its
 * diff and the server's statistics (specedit/stats), and, measured in this
 * run in this process on the same prompt, plain greedy decoding (one token
 * per verifier call) next to the speculative loop with every layer.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createTwoFilesPatch } from 'diff';
import { LspTestClient } from './lsp-client.js';
import { loadSpeculativeEngine } from '../engine/model-loader.js';
import { configSchema } from '../protocol/config.js';
import type { EditStats } from '../protocol/stats.js';
import type { EditTask } from '../protocol/edit-task.js';

const file = fileURLToPath(new URL('../../fixtures/demo/cart.ts', import.meta.url));
const uri = pathToFileURL(file).href;
const original = readFileSync(file, 'utf8');
const INSTRUCTION = 'Add a comment above the function.';

interface Position {
  line: number;
  character: number;
}

function positionOf(text: string, needle: string): Position {
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`demo: ${JSON.stringify(needle)} not found in ${file}`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before.at(-1)!.length };
}

function offsetAt(text: string, p: Position): number {
  return text.split('\n').slice(0, p.line).reduce((n, line) => n + line.length + 1, 0) + p.character;
}

const client = new LspTestClient();
let afterRename = original;
let edited = original;
let serverStats: EditStats | undefined;
let range: { start: Position; end: Position } | undefined;
try {
  const init = await client.initialize();
  console.log(`server: ${init.serverInfo?.name} ${init.serverInfo?.version}`);
  await client.open(uri, original);

  // 1. A structural rename: exact, no model.
  const at = positionOf(original, 't = 0;');
  const actions = (await client.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri },
    range: { start: at, end: at },
    context: { diagnostics: [] },
  })) as Array<{ title: string; kind?: string }>;
  console.log(`code actions at ${at.line + 1}:${at.character + 1}: ${actions.map((a) => `${a.title} [${a.kind}]`).join('; ')}`);
  let started = performance.now();
  const rename = await client.connection.sendRequest('textDocument/rename', { textDocument: { uri }, position: at, newName: 'total' });
  const renameMs = performance.now() - started;
  const renamed = client.applyWorkspaceEdit(rename as never);
  if (!renamed.applied) throw new Error(`demo: the rename was not applied: ${renamed.failureReason}`);
  afterRename = client.text(uri);
  process.stdout.write(createTwoFilesPatch('fixtures/demo/cart.ts', 'fixtures/demo/cart.ts (renamed)', original, afterRename, '', 'rename t -> total in cartTotal'));
  console.log(`1. rename \`t\` -> \`total\` in cartTotal: structural, ${renameMs.toFixed(1)} ms round trip\n`);

  // 2. An instruction edit the verifier writes (specedit.edit, the edit comes back through workspace/applyEdit).
  const start = positionOf(afterRename, 'export function applyCoupon');
  range = { start, end: { line: start.line + 3, character: 1 } };
  console.log(`2. specedit.edit "${INSTRUCTION}" on applyCoupon (lines ${start.line + 1}-${start.line + 4}); the first model request loads the models...`);
  started = performance.now();
  const result = (await client.connection.sendRequest('workspace/executeCommand', {
    command: 'specedit.edit',
    arguments: [{ uri, range, instruction: INSTRUCTION }],
  }).catch((error: Error) => ({ failed: error.message }))) as { applied?: boolean; mode?: string; failed?: string };
  const editMs = performance.now() - started;
  if (result.failed) {
    console.log(`   no edit: ${result.failed}`);
  } else {
    edited = client.text(uri);
    process.stdout.write(createTwoFilesPatch('fixtures/demo/cart.ts', 'fixtures/demo/cart.ts (model edit)', afterRename, edited, '', INSTRUCTION));
    const stats = (await client.connection.sendRequest('specedit/stats')) as { last: { mode: string; stats: EditStats } | null };
    serverStats = stats.last?.stats;
    console.log(`   mode ${stats.last?.mode}, ${(editMs / 1000).toFixed(1)} s round trip (model load included); server statistics: ${JSON.stringify(serverStats)}`);
  }
  for (const l of client.logs) if (/^(models loaded|verifier: the shipped model)/.test(l.message)) console.log(`   ${l.message}`);
} finally {
  await client.shutdown();
}

if (range) await compareWithPlainGreedy(range);

/**
 * The same edit's prompt, decoded in this process by the same models as the
 * server loads them: plain greedy decoding, then the speculative loop with
 * every layer, each after a warm-up that caches the prompt (so both measure
 * decoding, not the prompt's evaluation).
 */
async function compareWithPlainGreedy(at: { start: Position; end: Position }): Promise<void> {
  console.log('\n   measuring plain greedy decoding of the same prompt next to the speculative loop (this process, same models)...');
  const quiet = { info: () => undefined, warn: () => undefined, debug: () => undefined };
  const engine = await loadSpeculativeEngine(configSchema.parse({}), quiet);
  try {
    const task: EditTask = {
      kind: 'instruction',
      document: { uri, languageId: 'typescript', version: 2, text: afterRename },
      range: { start: offsetAt(afterRename, at.start), end: offsetAt(afterRename, at.end) },
      args: { instruction: INSTRUCTION },
    };
    const prepared = engine.prepare(task);
    if (!prepared.ok) throw new Error(prepared.reason);
    const { verifier } = engine.settings;
    const request = { prompt: prepared.edit.verifier.prompt, stop: prepared.edit.verifier.stop, maxOutputTokens: engine.settings.maxOutputTokens };
    const signal = new AbortController().signal;
    await verifier.decodePlain(request); // warm-up: the prompt's cache
    const plain = await verifier.decodePlain(request);
    const run = await engine.run(task, { signal });
    if (plain.status !== 'ok' || !run.verified) throw new Error('demo: a decode did not finish');
    const loop = run.verified.stats;
    const whole = run.outcome.status === 'ok' ? run.outcome.result.stats : loop;
    const same = run.verified.text === plain.result.text && run.verified.tokens.length === plain.result.tokens.length;
    const cells = (c: string[]) => `   ${c[0].padEnd(26)}${c.slice(1).map((x) => x.padStart(9)).join('')}`;
    const row = (name: string, s: EditStats, ms: number) =>
      cells([name, String(s.outputTokens), String(s.verifierCalls), s.tokensPerCall.toFixed(2), s.drafted === 0 ? '-' : `${(s.acceptance * 100).toFixed(0)}%`, (ms / Math.max(1, s.verifierCalls)).toFixed(1), ms.toFixed(0)]);
    console.log(cells(['decode of the same prompt', 'tokens', 'calls', 'tok/call', 'accept', 'ms/call', 'ms']));
    console.log(row('plain greedy', plain.result.stats, plain.result.stats.wallMs));
    console.log(row('speculative loop', loop, loop.wallMs));
    console.log(row('  whole request (drafting)', whole, whole.wallMs));
    if (serverStats) console.log(row('  server (first request)', serverStats, serverStats.wallMs));
    console.log(
      `   speedup over plain greedy: ${(plain.result.stats.wallMs / loop.wallMs).toFixed(2)}x the loop, ${(plain.result.stats.wallMs / whole.wallMs).toFixed(2)}x the request; ` +
        `output identical token for token: ${same ? 'yes' : 'NO'}`,
    );
    if (plain.result.stats.wallMs < loop.wallMs) {
      console.log(
        '   (here a verifier call costs about as much per token as a single step (ms/call): drafts save calls, not time; with Q4_1\n' +
          '    weights on this CPU a batch of K tokens costs ~K single steps. README, "The default verifier: SmolLM2-135M-Instruct")',
      );
    }
  } finally {
    await engine.dispose();
  }
}
