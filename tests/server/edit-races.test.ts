/**
 * Races between an edit and the user's typing, over every way an edit leaves
 * the server: codeAction/resolve of each kind, textDocument/rename, and
 * workspace/executeCommand (specedit.apply, specedit.edit), which sends
 * workspace/applyEdit itself. The client sends the request and, 0 to 3 event-loop
 * turns or milliseconds later, a didChange. The invariant: the server never
 * writes an edit after it has read a change to that document. The real
 * EditPipeline runs (structural rename, extract, model-free fixes) with a fast
 * fake model engine whose answers take 0-2 ms.
 */
import { PassThrough } from 'node:stream';
import type { CodeAction } from 'vscode-languageserver-protocol';
import { EditPipeline, type ModelEngine } from '../../engine/edit-pipeline.js';
import type { EditContext, EditOutcome, EditTask } from '../../protocol/edit-task.js';
import { finishStats } from '../../protocol/stats.js';
import { FULL_CAPABILITIES } from '../../tools/lsp-client.js';
import { inProcessServer } from '../helpers/in-process-server.js';

const URI = 'file:///w/races.ts';
const SOURCE = [
  'function sum(xs: number[]) {',
  '  let total = 0;',
  '  for (let i = 0; i < xs.lenght; i++) {',
  '    total += xs[i];',
  '  }',
  '  console.log(total);',
  '  return total;',
  '}',
  '// 0',
  '',
].join('\n');
const LAST_LINE = 8;

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Answers after 0-2 ms like a quick model; names nothing for extract (the default name is used). */
class QuickModels implements ModelEngine {
  constructor(private readonly next: () => number) {}
  async computeEdit(task: EditTask, context: EditContext): Promise<EditOutcome> {
    await new Promise((r) => setTimeout(r, Math.floor(this.next() * 3)));
    if (context.signal.aborted) return { status: 'cancelled' };
    if (task.kind === 'extract') return { status: 'unavailable', reason: 'no name' };
    const replacements = [{ start: task.range.start, end: task.range.start, newText: '/* edited */ ' }];
    return {
      status: 'ok',
      result: {
        title: `${task.kind} edit`,
        mode: 'exact',
        edits: [{ uri: task.document.uri, version: task.document.version, replacements }],
        stats: finishStats({ drafted: 1, accepted: 1, verifierCalls: 1, outputTokens: 1, wallMs: 0 }),
        considered: task.kind === 'rename' ? ['grandTotal'] : undefined,
      },
    };
  }
  async dispose(): Promise<void> {}
}

const WAYS = ['rename', 'suggestRename', 'extract', 'optimizeLoop', 'fix', 'instruction', 'apply'] as const;
type Way = (typeof WAYS)[number];

const at = (line: number, character: number) => ({ line, character });
const DIAGNOSTIC = { range: { start: at(2, 25), end: at(2, 31) }, message: "Property 'lenght' does not exist on type 'number[]'. Did you mean 'length'?", source: 'ts', code: 2551 };

test('no edit is written after a change to its document was read (1,000 interleavings, every kind and path)', async () => {
  const next = random(20261204);
  const toServer = new PassThrough();
  const fromServer = new PassThrough();
  let documentChanges = true;
  const capabilities = { ...FULL_CAPABILITIES, workspace: { ...FULL_CAPABILITIES.workspace, workspaceEdit: { get documentChanges() { return documentChanges; } } } };
  const client = inProcessServer(new EditPipeline({ models: new QuickModels(next) }), { capabilities, applyEdit: () => ({ applied: false, failureReason: 'the test only watches' }) }, { toServer, fromServer });

  // The order in which the server reads changes and writes edits, as the streams see it.
  let seq = 0;
  let changeReadAt = Infinity;
  let lastEditWrittenAt = -1;
  client.incoming.onDocumentNotice(() => (changeReadAt = Math.min(changeReadAt, ++seq)));
  fromServer.on('data', (chunk: Buffer) => {
    if (chunk.includes('"edits"') || chunk.includes('"changes"')) lastEditWrittenAt = ++seq;
  });

  await client.initialize();
  await client.open(URI, SOURCE);
  const counts = { stale: 0, edits: 0, refused: 0, byWay: new Map<Way, number>() };
  const actionsAt = async (range: { start: { line: number; character: number }; end: { line: number; character: number } }, diagnostics: unknown[] = []) =>
    (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri: URI }, range, context: { diagnostics } })) as CodeAction[];
  const kindOf = (a: CodeAction) => (a.data as { kind?: string } | undefined)?.kind;

  for (let i = 0; i < 1000; i++) {
    const way = WAYS[i % WAYS.length];
    documentChanges = i % 2 === 0;
    const version = client.docs.get(URI)!.version;
    let send: () => Promise<unknown>;
    if (way === 'rename') {
      send = () => client.connection.sendRequest('textDocument/rename', { textDocument: { uri: URI }, position: at(1, 7), newName: `t${i}` });
    } else if (way === 'instruction') {
      send = () => client.connection.sendRequest('workspace/executeCommand', { command: 'specedit.edit', arguments: [{ uri: URI, version, range: { start: at(1, 0), end: at(2, 0) }, instruction: 'rename total' }] });
    } else {
      const range = way === 'suggestRename' ? { start: at(1, 7), end: at(1, 7) } : way === 'optimizeLoop' ? { start: at(3, 4), end: at(3, 4) } : way === 'fix' ? DIAGNOSTIC.range : { start: at(5, 0), end: at(7, 0) };
      const wanted = { suggestRename: 'rename', extract: 'extract', apply: 'extract', optimizeLoop: 'optimizeLoop', fix: 'fix' }[way];
      const action = (await actionsAt(range, way === 'fix' ? [DIAGNOSTIC] : [])).find((a) => kindOf(a) === wanted);
      if (!action) throw new Error(`no ${wanted} action offered (${way})`);
      send = way === 'apply' ? () => client.connection.sendRequest('workspace/executeCommand', { command: 'specedit.apply', arguments: [action.data] }) : () => client.connection.sendRequest('codeAction/resolve', action);
    }

    changeReadAt = Infinity;
    lastEditWrittenAt = -1;
    const pending = send().then(
      () => 'answered',
      (e: { code?: number }) => (e.code === -32801 ? 'refused' : `error ${e.code}`),
    );
    const wait = i % 4;
    if (wait === 1) await new Promise((r) => setImmediate(r));
    else if (wait >= 2) await new Promise((r) => setTimeout(r, wait === 2 ? 1 : 3));
    await client.change(URI, [{ range: { start: at(LAST_LINE, 0), end: at(LAST_LINE, 100) }, text: `// ${i + 1}` }]);
    const answer = await pending;
    if (answer.startsWith('error')) throw new Error(`${way} #${i}: ${answer}`);
    if (answer === 'refused') counts.refused++;
    if (lastEditWrittenAt >= 0) counts.edits++;
    if (lastEditWrittenAt > changeReadAt) {
      counts.stale++;
      counts.byWay.set(way, (counts.byWay.get(way) ?? 0) + 1);
    }
  }
  // Every interleaving sent its change before the edit could be written in most cases: they are refused, none is stale.
  expect({ stale: counts.stale, byWay: Object.fromEntries(counts.byWay) }).toEqual({ stale: 0, byWay: {} });
  // Both outcomes happen: changes that arrive first refuse the edit, edits that leave first are answered.
  expect(counts.refused).toBeGreaterThan(500);
  expect(counts.edits).toBeGreaterThan(50);
  process.stdout.write(`edit races: ${counts.refused} refused, ${counts.edits} edits written, ${counts.stale} stale\n`);
  await client.shutdown();
}, 120_000);
