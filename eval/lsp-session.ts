/**
 * One fixture project opened in specedit the way an editor opens it:
 * initialize with the project as the workspace folder, then per task open
 * the file, ask for code actions at the range, pick the action of the kind,
 * resolve it (or textDocument/rename with the new name), close the file.
 * The WorkspaceEdit is applied here to the project's texts (files that are
 * not open included), so a multi-file edit is judged as a whole.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CancellationTokenSource, type CodeAction, type Diagnostic, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { FULL_CAPABILITIES, type LspTestClient } from '../tools/lsp-client.js';
import type { OffsetRange } from './oracle.js';
import { languageIdOf, type EvalProject } from './projects.js';

/** What the server answered: an edit, or why there is none (a refusal is a normal answer). */
export type ServerAnswer = { ok: true; edit: WorkspaceEdit; title?: string } | { ok: false; reason: string };

/** What the eval sends as initializationOptions: syntax diagnostics at once (fixSyntax waits for them), no progress chatter, one model thread. */
export const SERVER_SETTINGS = { diagnosticsDebounceMs: 0, progressDelayMs: 10_000, threads: 1 } as const;

export interface SessionOptions {
  /** Sent in initialize: null for an in-process server (its parent watchdog would keep the process alive). */
  processId: number | null;
  /** Per request; a request that takes longer is cancelled and counted as an error. */
  timeoutMs: number;
  /** Settings sent in initialize besides SERVER_SETTINGS. */
  settings?: Record<string, unknown>;
}

export class LspSession {
  private version = 0;

  private constructor(
    readonly client: LspTestClient,
    readonly project: EvalProject,
    private readonly options: SessionOptions,
  ) {}

  static async start(client: LspTestClient, project: EvalProject, options: SessionOptions): Promise<LspSession> {
    const root = pathToFileURL(project.root).href;
    await client.connection.sendRequest('initialize', {
      processId: options.processId,
      rootUri: root,
      workspaceFolders: [{ uri: root, name: project.name }],
      capabilities: { ...FULL_CAPABILITIES, workspace: { ...FULL_CAPABILITIES.workspace, workspaceFolders: true } },
      initializationOptions: { ...SERVER_SETTINGS, ...options.settings },
    });
    await client.connection.sendNotification('initialized', {});
    return new LspSession(client, project, options);
  }

  /** Opens `file` with `text` (a fresh version each time, so diagnostics of an earlier task never match), runs `fn`, closes it. */
  async withOpen<T>(file: string, text: string, fn: (doc: TextDocument) => Promise<T>): Promise<T> {
    const uri = pathToFileURL(file).href;
    const doc = TextDocument.create(uri, languageIdOf(file), ++this.version, text);
    await this.client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: doc.languageId, version: doc.version, text } });
    try {
      return await fn(doc);
    } finally {
      await this.client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    }
  }

  uriOf(file: string): string {
    return pathToFileURL(file).href;
  }

  async rename(doc: TextDocument, offset: number, newName: string): Promise<ServerAnswer> {
    const position = doc.positionAt(offset);
    const prepared = await this.request<{ range: unknown } | null>('textDocument/prepareRename', { textDocument: { uri: doc.uri }, position });
    if (!prepared.ok) return prepared;
    if (!prepared.value) return { ok: false, reason: 'prepareRename: no name to rename here' };
    const answer = await this.request<WorkspaceEdit | null>('textDocument/rename', { textDocument: { uri: doc.uri }, position, newName });
    if (!answer.ok) return answer;
    return answer.value ? { ok: true, edit: answer.value } : { ok: false, reason: 'rename answered null' };
  }

  /** Asks for code actions at `range` (with the editor's diagnostics there), picks the one of `kind` and resolves it. */
  async codeAction(doc: TextDocument, range: OffsetRange, kind: string, diagnostics: Diagnostic[] = [], pickBy?: (a: CodeAction) => boolean): Promise<ServerAnswer> {
    const lspRange = { start: doc.positionAt(range.start), end: doc.positionAt(range.end) };
    const listed = await this.request<CodeAction[] | null>('textDocument/codeAction', { textDocument: { uri: doc.uri }, range: lspRange, context: { diagnostics } });
    if (!listed.ok) return listed;
    const actions = listed.value ?? [];
    const action = actions.find((a) => a.kind === kind && (!pickBy || pickBy(a)));
    if (!action) return { ok: false, reason: `no ${kind} action offered (offered: ${actions.map((a) => `${a.title} [${a.kind}]`).join('; ') || 'none'})` };
    const resolved = await this.request<CodeAction>('codeAction/resolve', action);
    if (!resolved.ok) return resolved;
    if (!resolved.value.edit) return { ok: false, reason: `${action.title}: resolved without an edit` };
    return { ok: true, edit: resolved.value.edit, title: resolved.value.title };
  }

  /** The syntax diagnostics the server published for `doc`'s version. */
  async publishedDiagnostics(doc: TextDocument): Promise<Diagnostic[]> {
    return this.client.waitForDiagnostics(doc.uri, doc.version, this.options.timeoutMs);
  }

  private async request<T>(method: string, params: unknown): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
    const source = new CancellationTokenSource();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ ok: false; reason: string }>((resolve) => {
      timer = setTimeout(() => {
        source.cancel();
        resolve({ ok: false, reason: `${method}: no answer within ${this.options.timeoutMs} ms (cancelled)` });
      }, this.options.timeoutMs);
    });
    const answer = this.client.connection.sendRequest(method, params, source.token).then(
      (value) => ({ ok: true as const, value: value as T }),
      (error: unknown) => ({ ok: false as const, reason: error instanceof Error ? error.message : String(error) }),
    );
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
      source.dispose();
    }
  }

  async dispose(): Promise<void> {
    await this.client.shutdown();
  }
}

/**
 * Applies a WorkspaceEdit to the project's texts like an editor would (edits
 * of files that are not open apply to their text on disk). Returns the new
 * texts of the files it changed, or why it cannot be applied.
 */
export function applyWorkspaceEdit(texts: ReadonlyMap<string, string>, edit: WorkspaceEdit): { ok: true; texts: Map<string, string> } | { ok: false; reason: string } {
  const perFile = new Map<string, TextEdit[]>();
  for (const change of edit.documentChanges ?? []) {
    if (!('textDocument' in change)) return { ok: false, reason: `the edit has a file operation (${change.kind}), which the eval does not apply` };
    const path = fileURLToPath(change.textDocument.uri);
    perFile.set(path, [...(perFile.get(path) ?? []), ...(change.edits as TextEdit[])]);
  }
  for (const [uri, edits] of Object.entries(edit.changes ?? {})) {
    const path = fileURLToPath(uri);
    perFile.set(path, [...(perFile.get(path) ?? []), ...edits]);
  }
  const out = new Map<string, string>();
  for (const [path, edits] of perFile) {
    const text = texts.get(path);
    if (text === undefined) return { ok: false, reason: `the edit changes ${path}, which is not a source of the project` };
    out.set(path, TextDocument.applyEdits(TextDocument.create('file:///x', 'typescript', 0, text), edits));
  }
  return { ok: true, texts: out };
}
