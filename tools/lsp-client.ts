import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  type ClientCapabilities,
  type InitializeResult,
  type WorkspaceEdit,
  type TextEdit,
  type Diagnostic,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';

/** Entry point of the built server (`npm run build`), from this file's source or built location. */
export const SERVER_ENTRY = fileURLToPath(
  import.meta.url.includes('/dist/') ? new URL('../server/main.js', import.meta.url) : new URL('../dist/server/main.js', import.meta.url),
);

export interface ClientOptions {
  capabilities?: ClientCapabilities;
  initializationOptions?: unknown;
  /** Answer to workspace/applyEdit; default: apply to our text models and say yes. */
  applyEdit?: (edit: WorkspaceEdit) => { applied: boolean; failureReason?: string };
  env?: NodeJS.ProcessEnv;
  /** Sent in initialize; the server watches this process and exits with it (null: none). */
  processId?: number | null;
  /** Workspace folder URIs sent in initialize (the first is also the rootUri). */
  workspaceFolders?: string[];
  /** Talk over these streams instead of spawning the built server (in-process tests). */
  streams?: { fromServer: NodeJS.ReadableStream; toServer: NodeJS.WritableStream };
}

/** Capabilities of a modern editor: resolve, documentChanges, applyEdit, progress. */
export const FULL_CAPABILITIES: ClientCapabilities = {
  workspace: { applyEdit: true, workspaceEdit: { documentChanges: true }, configuration: false },
  window: { workDoneProgress: true },
  textDocument: {
    codeAction: {
      codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor', 'refactor.extract', 'refactor.rewrite'] } },
      resolveSupport: { properties: ['edit'] },
      dataSupport: true,
    },
    rename: { prepareSupport: true },
  },
};

/**
 * A small LSP client over stdio for tests, the demo and benchmarks: it
 * spawns the real server, keeps text models of the documents it opened, and
 * records what the server sends (logs, diagnostics, progress, applyEdit).
 */
export class LspTestClient {
  /** Servers started and not yet exited: a test that fails before its shutdown must not leave one holding the test run open. */
  private static readonly running = new Set<ChildProcess>();

  /** Kills every server still running (a jest setup file calls it after each test file). */
  static killAll(): void {
    for (const child of LspTestClient.running) child.kill('SIGKILL');
    LspTestClient.running.clear();
  }

  readonly connection: ProtocolConnection;
  readonly process: ChildProcess | undefined;
  readonly docs = new Map<string, TextDocument>();
  readonly logs: Array<{ type: number; message: string }> = [];
  readonly diagnostics = new Map<string, { version?: number; diagnostics: Diagnostic[] }>();
  readonly progress: unknown[] = [];
  readonly appliedEdits: WorkspaceEdit[] = [];
  /** What the server registered through client/registerCapability. */
  readonly registrations: Array<{ id: string; method: string; registerOptions?: unknown }> = [];
  stderr = '';
  private diagnosticWaiters: Array<() => void> = [];

  constructor(private options: ClientOptions = {}) {
    let streams = options.streams;
    if (!streams) {
      if (!existsSync(SERVER_ENTRY)) throw new Error(`the server is not built (${SERVER_ENTRY} missing): run \`make build\` first`);
      const child = spawn(process.execPath, [SERVER_ENTRY, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
      child.stderr.on('data', (d) => (this.stderr += String(d)));
      LspTestClient.running.add(child);
      child.once('exit', () => LspTestClient.running.delete(child));
      this.process = child;
      streams = { fromServer: child.stdout, toServer: child.stdin };
    }
    this.connection = createProtocolConnection(
      new StreamMessageReader(streams.fromServer as NodeJS.ReadableStream & import('node:stream').Readable),
      new StreamMessageWriter(streams.toServer as NodeJS.WritableStream & import('node:stream').Writable),
    );
    this.connection.onNotification('window/logMessage', (p: { type: number; message: string }) => void this.logs.push(p));
    this.connection.onNotification('textDocument/publishDiagnostics', (p: { uri: string; version?: number; diagnostics: Diagnostic[] }) => {
      this.diagnostics.set(p.uri, { version: p.version, diagnostics: p.diagnostics });
      for (const w of this.diagnosticWaiters.splice(0)) w();
    });
    this.connection.onNotification('$/progress', (p: unknown) => void this.progress.push(p));
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.onRequest('client/registerCapability', (p: { registrations: LspTestClient['registrations'] }) => {
      this.registrations.push(...p.registrations);
      return null;
    });
    this.connection.onRequest('workspace/applyEdit', (p: { edit: WorkspaceEdit }) => {
      const answer = options.applyEdit ? options.applyEdit(p.edit) : this.applyWorkspaceEdit(p.edit);
      if (answer.applied) this.appliedEdits.push(p.edit);
      return answer;
    });
    this.connection.listen();
  }

  async initialize(): Promise<InitializeResult> {
    const result = await this.connection.sendRequest('initialize', {
      processId: this.options.processId === undefined ? process.pid : this.options.processId,
      rootUri: this.options.workspaceFolders?.[0] ?? null,
      workspaceFolders: this.options.workspaceFolders?.map((uri) => ({ uri, name: uri.split('/').pop() ?? uri })) ?? null,
      capabilities: this.options.capabilities ?? FULL_CAPABILITIES,
      initializationOptions: this.options.initializationOptions,
    });
    await this.connection.sendNotification('initialized', {});
    return result as InitializeResult;
  }

  async open(uri: string, text: string, languageId = 'typescript', version = 1): Promise<void> {
    this.docs.set(uri, TextDocument.create(uri, languageId, version, text));
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
  }

  /** Sends incremental changes (ranges refer to the text before each change, applied in order). */
  async change(uri: string, changes: Array<{ range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string }>): Promise<number> {
    const doc = this.docs.get(uri)!;
    const version = doc.version + 1;
    TextDocument.update(doc, changes, version);
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  text(uri: string): string {
    return this.docs.get(uri)!.getText();
  }

  /** Applies a WorkspaceEdit like an editor: versioned edits are refused when the document moved on. */
  applyWorkspaceEdit(edit: WorkspaceEdit): { applied: boolean; failureReason?: string } {
    const perFile: Array<{ uri: string; version: number | null | undefined; edits: TextEdit[] }> = [];
    for (const change of edit.documentChanges ?? []) {
      if ('textDocument' in change) perFile.push({ uri: change.textDocument.uri, version: change.textDocument.version, edits: change.edits as TextEdit[] });
    }
    for (const [uri, edits] of Object.entries(edit.changes ?? {})) perFile.push({ uri, version: undefined, edits: edits as TextEdit[] });
    for (const f of perFile) {
      const doc = this.docs.get(f.uri);
      if (!doc) return { applied: false, failureReason: `${f.uri} is not open` };
      if (f.version !== undefined && f.version !== null && f.version !== doc.version) {
        return { applied: false, failureReason: `${f.uri} is at version ${doc.version}, the edit is for ${f.version}` };
      }
    }
    for (const f of perFile) {
      const doc = this.docs.get(f.uri)!;
      const text = TextDocument.applyEdits(doc, f.edits);
      this.docs.set(f.uri, TextDocument.create(f.uri, doc.languageId, doc.version + 1, text));
      void this.connection.sendNotification('textDocument/didChange', { textDocument: { uri: f.uri, version: doc.version + 1 }, contentChanges: [{ text }] });
    }
    return { applied: true };
  }

  /** Waits until diagnostics for `uri` arrive (optionally for a given version). */
  async waitForDiagnostics(uri: string, version?: number, timeoutMs = 5000): Promise<Diagnostic[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = this.diagnostics.get(uri);
      if (d && (version === undefined || d.version === version)) return d.diagnostics;
      if (Date.now() > deadline) throw new Error(`no diagnostics for ${uri} v${version} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.diagnosticWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async shutdown(): Promise<number | null> {
    if (!this.process) {
      await this.connection.sendRequest('shutdown');
      this.connection.dispose();
      return null;
    }
    const child = this.process;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await this.connection.sendRequest('shutdown');
      await this.connection.sendNotification('exit');
    } catch {
      child.kill();
    }
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<null>((r) => (timer = setTimeout(() => r(null), 3000)))]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    this.connection.dispose();
    return code;
  }
}
