/**
 * What a buggy or hostile client sends, against the built server over stdio
 * (exit codes, framing) and in-process (everything else): each case answers
 * or is ignored as LSP says, and the server keeps serving.
 */
import { spawn } from 'node:child_process';
import type { CodeAction } from 'vscode-languageserver-protocol';
import { SERVER_ENTRY } from '../../tools/lsp-client.js';
import { EditPipeline } from '../../engine/edit-pipeline.js';
import { inProcessServer } from '../helpers/in-process-server.js';
import { sniffDocumentUri } from '../../server/large-messages.js';

const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const message = (m: object) => frame(JSON.stringify({ jsonrpc: '2.0', ...m }));
const INIT = message({ id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
const INITIALIZED = message({ method: 'initialized', params: {} });

interface RawRun {
  code: number | null;
  /** Responses by id (errors as their code, results as 'ok'). */
  replies: Map<number | string | null, number | 'ok'>;
  stderr: string;
}

/** Writes `input` to a fresh server process and collects what it answers until it exits, answers `untilId`, or `waitMs` pass. */
async function raw(input: string[], waitMs = 4000, untilId?: number | null): Promise<RawRun> {
  const child = spawn(process.execPath, [SERVER_ENTRY, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let stderr = '';
  let answered: () => void = () => undefined;
  const answer = new Promise<null>((resolve) => (answered = () => resolve(null)));
  child.stdout.on('data', (d) => {
    out += String(d);
    if (untilId !== undefined && out.includes(`"id":${JSON.stringify(untilId)}`)) setTimeout(answered, 100);
  });
  child.stderr.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (const chunk of input) child.stdin.write(chunk);
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([exited, answer, new Promise<null>((r) => (timer = setTimeout(() => r(null), waitMs)))]);
  clearTimeout(timer);
  child.kill('SIGKILL');
  const replies = new Map<number | string | null, number | 'ok'>();
  for (const body of out.split(/Content-Length: \d+\r\n\r\n/).filter(Boolean)) {
    const m = JSON.parse(body) as { id?: number | string | null; method?: string; error?: { code: number } };
    if (m.method === undefined) replies.set(m.id ?? null, m.error ? m.error.code : 'ok');
  }
  return { code, replies, stderr };
}

describe('lifecycle and framing over stdio', () => {
  test.each([
    ['a request before initialize gets -32002', [message({ id: 5, method: 'textDocument/codeAction', params: {} }), INIT], 5, -32002],
    ['a second initialize gets -32600', [INIT, INITIALIZED, message({ id: 2, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } })], 2, -32600],
    ['a request after shutdown gets -32600', [INIT, INITIALIZED, message({ id: 2, method: 'shutdown' }), message({ id: 3, method: 'textDocument/codeAction', params: {} })], 3, -32600],
    ['a body that is not JSON gets -32700 and the stream goes on', [INIT, frame('{abc}'), message({ id: 2, method: 'shutdown' })], null, -32700],
    ['a batch gets -32600', [INIT, frame('[1,2]'), message({ id: 2, method: 'shutdown' })], null, -32600],
    ['initialize with junk parameters still starts the session', [message({ id: 1, method: 'initialize', params: { processId: null, capabilities: 7, workspaceFolders: [7, null], rootUri: 5 } })], 1, 'ok'],
  ])('%s', async (_name, input, id, code) => {
    const run = await raw(input as string[], 10_000, id as number | null);
    expect(run.replies.get(id as number | null)).toBe(code);
    expect(run.code).toBeNull(); // still running
  });

  test('exit without shutdown ends with 1, after shutdown with 0', async () => {
    // The wait only bounds a server that never exits: a loaded machine starts node slowly.
    expect((await raw([INIT, INITIALIZED, message({ method: 'exit' })], 30_000)).code).toBe(1);
    expect((await raw([INIT, INITIALIZED, message({ id: 2, method: 'shutdown' }), message({ method: 'exit' })], 30_000)).code).toBe(0);
  });

  test.each([
    ['a misspelled Content-Length header', 'Content-Lenght: 10\r\n\r\n{"a":1}xxx', /no Content-Length/],
    ['a non-numeric length', 'Content-Length: ten\r\n\r\n{}', /non-negative integer/],
    ['a negative length', 'Content-Length: -5\r\n\r\n{}', /non-negative integer/],
    ['a huge length', 'Content-Length: 99999999999\r\n\r\n{}', /larger than/],
    ['a too-short length', 'Content-Length: 3\r\n\r\n{"jsonrpc":"2.0","id":9,"method":"shutdown"}', /expected a message header/],
  ])('framing lost (%s): logged, and the server exits with 1 for the editor to restart it', async (_name, bad, reason) => {
    const run = await raw([INIT, INITIALIZED, bad], 30_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(reason);
  });
});

describe('malformed messages in a session', () => {
  const URI = 'file:///w/a.ts';
  const SOURCE = 'function f(a: number) {\n  const b = a + 1; // 🙂 emoji\n  return b;\n}\n';

  test.each([
    ['didClose {}', 'textDocument/didClose', {}],
    ['didClose with uri null', 'textDocument/didClose', { textDocument: { uri: null } }],
    ['didOpen without text', 'textDocument/didOpen', { textDocument: { uri: URI, languageId: 'typescript', version: 2 } }],
    ['didChange with a range of strings', 'textDocument/didChange', { textDocument: { uri: URI, version: 9 }, contentChanges: [{ range: { start: 'a', end: 'b' }, text: 'x' }] }],
    ['didChange without params', 'textDocument/didChange', undefined],
    ['watched files with a numeric uri and type 99', 'workspace/didChangeWatchedFiles', { changes: [{ uri: 7, type: 99 }] }],
    ['watched files that are not a list', 'workspace/didChangeWatchedFiles', { changes: 'all' }],
    ['cancel without an id', '$/cancelRequest', {}],
    ['configuration of the wrong type', 'workspace/didChangeConfiguration', { settings: 42 }],
    ['an unknown notification', 'specedit/nothing', { a: 1 }],
  ])('%s is ignored and the server keeps serving the document', async (_name, method, params) => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const client = inProcessServer(new EditPipeline({ models: { unavailable: 'no models in this test' } }));
    await client.initialize();
    await client.open(URI, SOURCE);
    await client.connection.sendNotification(method, params);
    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: URI },
      range: { start: { line: 1, character: 8 }, end: { line: 1, character: 8 } },
      context: { diagnostics: [] },
    })) as CodeAction[];
    expect(actions.map((a) => a.title)).toContain('Rename `b` (suggest a name)');
    await client.shutdown();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });

  test('requests with parameters of the wrong shape get -32602 with the reason', async () => {
    const client = inProcessServer(new EditPipeline({ models: { unavailable: 'none' } }));
    await client.initialize();
    await client.open(URI, SOURCE);
    for (const [method, params, reason] of [
      ['textDocument/codeAction', {}, /textDocument/],
      ['textDocument/rename', { textDocument: { uri: URI }, position: { line: 0, character: 9 } }, /newName/],
      ['textDocument/prepareRename', { textDocument: { uri: 7 }, position: { line: 0, character: 0 } }, /uri/],
      ['workspace/executeCommand', { command: 5 }, /command/],
      ['codeAction/resolve', 'resolve me', /./],
    ] as const) {
      await expect(client.connection.sendRequest(method, params)).rejects.toMatchObject({ code: -32602, message: expect.stringMatching(reason) });
    }
    await client.shutdown();
  });

  test("a diagnostic in byte offsets past a line's end (Neovim 0.7 after an emoji) is clamped: the line's actions stay", async () => {
    const client = inProcessServer(new EditPipeline({ models: { unavailable: 'none' } }));
    await client.initialize();
    await client.open(URI, SOURCE);
    const lineLength = SOURCE.split('\n')[1].length;
    const bytes = Buffer.byteLength(SOURCE.split('\n')[1]);
    expect(bytes).toBeGreaterThan(lineLength);
    const diagnostic = { range: { start: { line: 1, character: 8 }, end: { line: 1, character: bytes } }, message: 'something', source: 'other' };
    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: URI },
      range: { start: { line: 1, character: 8 }, end: { line: 1, character: bytes + 40 } },
      context: { diagnostics: [diagnostic, { range: 'nonsense' }] },
    })) as CodeAction[];
    const fix = actions.find((a) => a.kind === 'quickfix');
    expect(fix?.diagnostics?.[0].range.end.character).toBe(bytes); // echoed as the client sent it
    expect((fix?.data as { range: { end: { character: number } } }).range.end.character).toBe(lineLength); // clamped for the edit
    await client.shutdown();
  });
});

describe('a document above maxDocumentSize', () => {
  test.each([
    ['{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///a.ts","text":"..."}}}', 'file:///a.ts'],
    ['{"params":{"textDocument":{"version":1,"uri":"file:///b\\"q.ts"}},"method":"textDocument/didChange"}', 'file:///b"q.ts'],
    ['{"params":{"textDocument":{"text":"\\"uri\\":\\"fake\\"","uri":"file:///c.ts"}}}', undefined],
  ])('the document of a large message is read from its first bytes: %s', (body, uri) => {
    expect(sniffDocumentUri(Buffer.from(body))).toBe(uri);
  });

  test('keeps no text or tree: its actions are off with one message, other files answer at once, memory stays bounded', async () => {
    const client = inProcessServer(new EditPipeline({ models: { unavailable: 'none' } }), { initializationOptions: { maxDocumentSize: 1_000_000 } });
    const messages: string[] = [];
    client.connection.onNotification('window/showMessage', (p: { message: string }) => void messages.push(p.message));
    await client.initialize();
    const small = 'file:///w/small.ts';
    await client.open(small, 'function f(a: number) {\n  const b = a + 1;\n  return b;\n}\n');
    const big = 'file:///w/big.ts';
    const line = 'x = x + 1;\n';
    const text = 'let x = 0;\n' + line.repeat(Math.ceil(8_000_000 / line.length));
    const before = process.memoryUsage().heapUsed;
    await client.open(big, text);
    const ask = async (uri: string, lineNo: number) => {
      const started = performance.now();
      const actions = (await client.connection.sendRequest('textDocument/codeAction', {
        textDocument: { uri },
        range: { start: { line: lineNo, character: 6 }, end: { line: lineNo, character: 6 } },
        context: { diagnostics: [] },
      })) as CodeAction[];
      return { actions, ms: performance.now() - started };
    };
    expect((await ask(big, 1)).actions).toEqual([]);
    await client.change(big, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '// typed\n' }]);
    const other = await ask(small, 1);
    expect(other.actions.length).toBeGreaterThan(0);
    expect(other.ms).toBeLessThan(100);
    await expect(client.connection.sendRequest('textDocument/rename', { textDocument: { uri: big }, position: { line: 1, character: 0 }, newName: 'y' })).rejects.toMatchObject({
      message: expect.stringMatching(/maxDocumentSize/),
    });
    // Decoded off the main thread (over 4 MB), the text dropped there: only its length came back.
    expect(messages.filter((m) => m.includes('big.ts'))).toEqual([expect.stringContaining(`has ${(text.length / (1024 * 1024)).toFixed(1)} M characters`)]);
    // The server holds no copy of the text (the test's own copies are all that remain).
    global.gc?.();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(60_000_000);
    // Replaced whole by a small text, it becomes an ordinary document.
    await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: big, version: 9 }, contentChanges: [{ text: 'const y = 1;\nconst z = y + 1;\n' }] });
    expect((await ask(big, 1)).actions.length).toBeGreaterThan(0);
    await client.shutdown();
  });
});
