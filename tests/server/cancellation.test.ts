/**
 * Cancellation, progress and races during a long computation, with the
 * server in-process and a slow fake orchestrator (model-free, deterministic).
 */
import type { CodeAction } from 'vscode-languageserver-protocol';
import type { EditContext, EditOrchestrator, EditOutcome, EditTask } from '../../protocol/edit-task.js';
import { finishStats } from '../../protocol/stats.js';
import { inProcessServer } from '../helpers/in-process-server.js';

const URI = 'file:///w/a.ts';
const SOURCE = 'function f(xs: number[]) {\n  for (let i = 0; i < xs.length; i++) {\n    console.log(xs[i]);\n  }\n}\n';

/** Works in steps of `stepMs`, checking the signal between steps like the verifier does. */
class SlowOrchestrator implements EditOrchestrator {
  started = 0;
  cancelled = 0;
  constructor(private steps: number, private stepMs = 20) {}
  async computeEdit(task: EditTask, context: EditContext): Promise<EditOutcome> {
    this.started++;
    for (let i = 0; i < this.steps; i++) {
      if (context.signal.aborted) {
        this.cancelled++;
        return { status: 'cancelled' };
      }
      context.progress?.(`step ${i + 1} of ${this.steps}`, (100 * i) / this.steps);
      await new Promise((r) => setTimeout(r, this.stepMs));
    }
    const replacements = [{ start: task.range.start, end: task.range.start, newText: '/* optimized */ ' }];
    return {
      status: 'ok',
      result: { title: 'optimized', mode: 'exact', edits: [{ uri: task.document.uri, version: task.document.version, replacements }], stats: finishStats({ drafted: 10, accepted: 9, verifierCalls: 2, outputTokens: 10, wallMs: 0 }) },
    };
  }
}

async function loopAction(client: ReturnType<typeof inProcessServer>): Promise<CodeAction> {
  const actions = (await client.connection.sendRequest('textDocument/codeAction', {
    textDocument: { uri: URI },
    range: { start: { line: 2, character: 6 }, end: { line: 2, character: 6 } },
    context: { diagnostics: [] },
  })) as CodeAction[];
  return actions.find((a) => (a.data as { kind: string } | undefined)?.kind === 'optimizeLoop')!;
}

test('$/cancelRequest stops the work and the next request works', async () => {
  const slow = new SlowOrchestrator(200);
  const client = inProcessServer(slow);
  await client.initialize();
  await client.open(URI, SOURCE);
  const action = await loopAction(client);
  const { CancellationTokenSource } = await import('vscode-languageserver-protocol');
  const source = new CancellationTokenSource();
  const pending = client.connection.sendRequest('codeAction/resolve', action, source.token);
  await new Promise((r) => setTimeout(r, 60));
  source.cancel();
  await expect(pending).rejects.toMatchObject({ code: -32800 });
  expect(slow.cancelled).toBe(1);

  Object.assign(slow, { steps: 1 });
  const resolved = (await client.connection.sendRequest('codeAction/resolve', action)) as CodeAction;
  expect(resolved.edit?.documentChanges?.length).toBe(1);
  expect(slow.started).toBe(2);
  await client.shutdown();
});

test('a document change cancels running work and nothing is applied over the new text', async () => {
  const slow = new SlowOrchestrator(200);
  const client = inProcessServer(slow);
  await client.initialize();
  await client.open(URI, SOURCE);
  const action = await loopAction(client);
  const pending = client.connection.sendRequest('codeAction/resolve', action);
  await new Promise((r) => setTimeout(r, 50));
  await client.change(URI, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '// typing\n' }]);
  await expect(pending).rejects.toMatchObject({ code: -32801, message: expect.stringMatching(/changed since this edit was requested/) });
  expect(slow.cancelled).toBe(1);
  await client.shutdown();
});

test('a newer request on the same scope supersedes the older one', async () => {
  const slow = new SlowOrchestrator(15);
  const client = inProcessServer(slow);
  await client.initialize();
  await client.open(URI, SOURCE);
  const action = await loopAction(client);
  const first = client.connection.sendRequest('codeAction/resolve', action);
  await new Promise((r) => setTimeout(r, 50));
  const second = client.connection.sendRequest('codeAction/resolve', action);
  await expect(first).rejects.toMatchObject({ code: -32800, message: expect.stringMatching(/superseded/) });
  expect(((await second) as CodeAction).edit).toBeDefined();
  await client.shutdown();
});

test('long requests report $/progress, short ones do not', async () => {
  const slow = new SlowOrchestrator(10, 30);
  const client = inProcessServer(slow);
  await client.initialize();
  await client.open(URI, SOURCE);
  const action = await loopAction(client);
  await client.connection.sendRequest('codeAction/resolve', action);
  await new Promise((r) => setTimeout(r, 20));
  const kinds = client.progress.map((p) => (p as { value: { kind: string } }).value.kind);
  expect(kinds[0]).toBe('begin');
  expect(kinds).toContain('report');
  expect(kinds.at(-1)).toBe('end');

  client.progress.length = 0;
  Object.assign(slow, { steps: 1, stepMs: 1 });
  await client.connection.sendRequest('codeAction/resolve', await loopAction(client));
  await new Promise((r) => setTimeout(r, 150));
  expect(client.progress).toEqual([]);
  await client.shutdown();
});
