/**
 * 10,000 seeded fuzzed messages to the built server over stdio: every LSP
 * method it serves (and some it does not), with parameters that are right,
 * slightly wrong (a field of another type, positions past the end, negative
 * numbers, unknown URIs) or nonsense. The server must not exit, must log no
 * uncaught error, must answer every request, and must still serve a normal
 * rename afterwards. Models are off (a missing verifier), so model actions
 * answer quickly with their reason.
 */
import { spawn } from 'node:child_process';
import { SERVER_ENTRY } from '../../tools/lsp-client.js';

const MESSAGES = 10_000;

function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SOURCES = [
  'function f(a: number) {\n  const b = a + 1;\n  for (let i = 0; i < b; i++) {\n    console.log(i);\n  }\n  return b;\n}\n',
  'export const x = 1;\nexport function g(y: string) {\n  return y.lenght + x; // 🙂\n}\n',
  'class A {\r\n  m() { return this.n(; }\r\n  n() { return 1 }\r\n}\r\n',
  'let s = `${1 + }`;\nfunction (',
  '',
  'import { x } from "./a";\nnamespace N { export const y = x; }\n',
];
const URIS = ['file:///fuzz/a.ts', 'file:///fuzz/b.tsx', 'file:///fuzz/c.js', 'untitled:Untitled-1', 'file:///etc/passwd', 'http://x/y.ts', ''];
const METHODS = [
  'textDocument/codeAction',
  'codeAction/resolve',
  'textDocument/rename',
  'textDocument/prepareRename',
  'workspace/executeCommand',
  'specedit/stats',
  'textDocument/hover',
  'initialize',
  'textDocument/didOpen',
  'textDocument/didChange',
  'textDocument/didChange',
  'textDocument/didClose',
  'workspace/didChangeWatchedFiles',
  'workspace/didChangeConfiguration',
  '$/cancelRequest',
  '$/setTrace',
  'initialized',
];
const NOTIFICATIONS = new Set(['textDocument/didOpen', 'textDocument/didChange', 'textDocument/didClose', 'workspace/didChangeWatchedFiles', 'workspace/didChangeConfiguration', '$/cancelRequest', '$/setTrace', 'initialized']);

function generator(next: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const int = (n: number) => Math.floor(next() * n);
  const junk = (): unknown => pick([null, 7, -1, 1e300, 'x', '', [], {}, [1, 'a'], { a: { b: null } }, true, 0.5, '\u0000\uD800', 'file:///', -0]);
  const position = () => (next() < 0.8 ? { line: int(12), character: int(60) } : { line: pick([-1, 1e9, 0.5, 'a', null]), character: pick([-3, 1e9, 2, null]) });
  const range = () => ({ start: position(), end: next() < 0.7 ? position() : junk() });
  const uri = () => (next() < 0.85 ? pick(URIS.slice(0, 3)) : pick(URIS));
  const versions = new Map<string, number>();
  const version = (u: string) => {
    const v = (versions.get(u) ?? 0) + 1;
    versions.set(u, v);
    return next() < 0.9 ? v : junk();
  };
  const kind = () => pick(['rename', 'extract', 'optimizeLoop', 'fix', 'instruction', 'explode']);
  const data = (u: string) => ({ uri: u, version: versions.get(u) ?? 1, kind: kind(), range: range(), args: pick([{}, null, { newName: 'renamed' }, { instruction: 'do it' }, { diagnostic: { message: "Did you mean 'length'?" } }, junk()]) });

  const params: Record<string, () => unknown> = {
    'textDocument/codeAction': () => ({ textDocument: { uri: uri() }, range: range(), context: { diagnostics: next() < 0.5 ? [{ range: range(), message: pick(['Cannot find name', 'x', '']) }, junk()] : [] } }),
    'codeAction/resolve': () => ({ title: pick(['Extract', 'Rename', 7]), data: next() < 0.8 ? data(uri()) : junk() }),
    'textDocument/rename': () => ({ textDocument: { uri: uri() }, position: position(), newName: pick(['y', 'class', '', 'a b', 'ünïcode', 7, '$ok']) }),
    'textDocument/prepareRename': () => ({ textDocument: { uri: uri() }, position: position() }),
    'workspace/executeCommand': () => ({ command: pick(['specedit.apply', 'specedit.edit', 'nope', 3]), arguments: next() < 0.7 ? [next() < 0.5 ? data(uri()) : { uri: uri(), range: range(), instruction: pick(['x', '', 5]) }] : junk() }),
    'specedit/stats': () => pick([undefined, {}, junk()]),
    'textDocument/hover': () => ({ textDocument: { uri: uri() }, position: position() }),
    initialize: () => ({ processId: null, capabilities: {} }),
    'textDocument/didOpen': () => {
      const u = uri();
      return { textDocument: { uri: u, languageId: pick(['typescript', 'javascript', 'typescriptreact', 'python', 7]), version: version(u), text: next() < 0.9 ? pick(SOURCES) : junk() } };
    },
    'textDocument/didChange': () => {
      const u = uri();
      const changes = next() < 0.2 ? [{ text: pick(SOURCES) }] : [{ range: range(), text: pick(['x', '\n', '', '}', '🙂', '\r\n', 'for (;;) {}']) }];
      return { textDocument: { uri: u, version: version(u) }, contentChanges: next() < 0.9 ? changes : junk() };
    },
    'textDocument/didClose': () => ({ textDocument: next() < 0.8 ? { uri: uri() } : junk() }),
    'workspace/didChangeWatchedFiles': () => ({ changes: next() < 0.6 ? [{ uri: uri(), type: int(5) }] : [{ uri: junk(), type: junk() }] }),
    'workspace/didChangeConfiguration': () => ({ settings: { specedit: pick([{ logLevel: 'debug' }, { maxDocumentSize: 2048 }, { maxDocumentSize: 10_000_000 }, { threads: 0 }, { drafters: 'x' }, { unknown: 1 }, junk()]) } }),
    '$/cancelRequest': () => ({ id: pick([1, 2, 'x', null]) }),
    '$/setTrace': () => ({ value: pick(['off', 'verbose', 7]) }),
    initialized: () => ({}),
  };

  let id = 100;
  return (): { text: string; id?: number } => {
    const roll = next();
    if (roll < 0.01) return { text: 'Content-Length: 5\r\n\r\n{bad}' };
    const method = pick(METHODS);
    let p = params[method]();
    if (next() < 0.1 && p && typeof p === 'object') p = { ...(p as object), [pick(['textDocument', 'range', 'position', 'context'])]: junk() };
    const isNotification = NOTIFICATIONS.has(method);
    const message: Record<string, unknown> = { jsonrpc: '2.0', method, params: p };
    if (!isNotification) message.id = ++id;
    const body = JSON.stringify(message);
    return { text: `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, id: isNotification ? undefined : id };
  };
}

test(`${MESSAGES.toLocaleString('en')} fuzzed messages: no exit, no uncaught error, every request answered`, async () => {
  const child = spawn(process.execPath, [SERVER_ENTRY, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SPECEDIT_LOG_LEVEL: 'warn' } });
  let stderr = '';
  let exited: number | null | undefined;
  child.stderr.on('data', (d) => (stderr += String(d)));
  child.on('exit', (code) => (exited = code));
  const answered = new Set<number | string>();
  let out = Buffer.alloc(0);
  child.stdout.on('data', (d: Buffer) => {
    out = Buffer.concat([out, d]);
    for (;;) {
      const end = out.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/.exec(out.subarray(0, end).toString())?.[1]);
      if (out.length < end + 4 + length) return;
      const m = JSON.parse(out.subarray(end + 4, end + 4 + length).toString()) as { id?: number | string; method?: string };
      if (m.method === undefined && m.id !== undefined && m.id !== null) answered.add(m.id);
      // Requests the server sends (registerCapability, applyEdit, workDoneProgress/create) get an answer.
      if (m.method !== undefined && m.id !== undefined) write({ jsonrpc: '2.0', id: m.id, result: m.method === 'workspace/applyEdit' ? { applied: false } : null });
      out = out.subarray(end + 4 + length);
    }
  });
  const write = (m: object) => {
    const body = JSON.stringify(m);
    child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };
  write({
    id: 1,
    method: 'initialize',
    params: {
      processId: null,
      rootUri: null,
      capabilities: { workspace: { applyEdit: true, workspaceEdit: { documentChanges: true } }, textDocument: { codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: [] } }, resolveSupport: { properties: ['edit'] } } } },
      initializationOptions: { verifierModel: '/nonexistent/verifier.gguf', progressDelayMs: 10_000 },
    },
  });
  write({ jsonrpc: '2.0', method: 'initialized', params: {} });

  const next = generator(random(424242));
  const sent: number[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const m = next();
    if (m.id !== undefined) sent.push(m.id);
    if (!child.stdin.write(m.text)) await new Promise((r) => child.stdin.once('drain', r));
    if (i % 200 === 0) await new Promise((r) => setImmediate(r));
  }
  // A normal session afterwards still works.
  write({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: 'file:///fuzz/after.ts', languageId: 'typescript', version: 1, text: 'let a = 1;\na = a + 1;\n' } } });
  write({ jsonrpc: '2.0', id: 'final', method: 'textDocument/rename', params: { textDocument: { uri: 'file:///fuzz/after.ts' }, position: { line: 0, character: 4 }, newName: 'b' } });
  const deadline = Date.now() + 90_000;
  while (!answered.has('final') && exited === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const alive = exited === undefined;
  child.kill('SIGKILL');

  const unanswered = sent.filter((id) => !answered.has(id));
  const uncaught = stderr.split('\n').filter((l) => /uncaught|unhandled/i.test(l));
  expect({ alive, exitCode: exited, uncaught, unanswered: unanswered.length, finalAnswered: answered.has('final') }).toEqual({ alive: true, exitCode: undefined, uncaught: [], unanswered: 0, finalAnswered: true });
  process.stdout.write(`fuzz: ${MESSAGES} messages, ${sent.length} requests all answered, server alive\n`);
}, 150_000);
