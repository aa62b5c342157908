import { LSPErrorCodes, ResponseError, type CancellationToken, type WorkspaceEdit } from 'vscode-languageserver/node';
import type { EditKind, EditArgs, EditOrchestrator, EditResult } from '../protocol/edit-task.js';
import { formatStats } from '../protocol/stats.js';
import type { DocumentStore, OpenDocument } from './document-store.js';
import type { WorkTracker } from './work-tracker.js';
import type { StatsRegistry } from './stats-registry.js';
import type { Logger } from './logger.js';
import { offsetRange, invalidParams } from './positions.js';
import { toWorkspaceEdit } from './workspace-edits.js';
import { ServedFiles } from './workspace-files.js';
import type { WorkspaceView } from '../protocol/workspace.js';
import type { TypeView } from '../protocol/type-view.js';
import type { FileEdit } from '../protocol/edit-task.js';
import type { Range } from 'vscode-languageserver/node';

export interface EditRequest {
  uri: string;
  /** The version the range refers to. */
  version: number;
  kind: EditKind;
  range: Range;
  args: EditArgs;
}

export interface EditServiceDeps {
  store: DocumentStore;
  tracker: WorkTracker;
  stats: StatsRegistry;
  logger: Logger;
  orchestrator: () => EditOrchestrator;
  /** The workspace index (multi-file renames, imported signatures in prompts). */
  workspace?: WorkspaceView;
  /** The type checker (parameter types of extract function). */
  types?: TypeView;
  useDocumentChanges: () => boolean;
  /** A change to `uri` has been read from the client but not applied yet (server/incoming.ts). */
  changePending?: (uri: string) => boolean;
  /** Starts a progress report that appears only if the work outlasts the configured delay. */
  progress: (title: string) => { report(message: string, percentage?: number): void; finish(): void };
}

export interface ComputedEdit {
  edit: WorkspaceEdit;
  result: EditResult;
}

/**
 * Computes one edit through the orchestrator and converts it to LSP.
 * Invariant: an edit is only returned for the document version it was
 * computed on; if the user typed meanwhile the request fails with
 * ContentModified and a message that says what to do, and nothing is applied.
 * The check runs last, whatever produced the edit (structural, models, a
 * fallback), after the server has read what the client sent meanwhile: a
 * computation that held the thread (a type check, a big rename) must not
 * answer before a change that arrived during it is seen.
 */
export async function computeEdit(deps: EditServiceDeps, request: EditRequest, token?: CancellationToken, options: { structuralOnly?: boolean } = {}): Promise<ComputedEdit> {
  const started = performance.now();
  const doc = requireCurrent(deps.store, request.uri, request.version, deps.changePending);
  const range = offsetRange(doc.text, request.range);
  const controller = deps.tracker.start(request.uri, `${request.kind}:${range.start}-${range.end}`);
  const cancelSubscription = token?.onCancellationRequested(() => controller.abort(new Error('cancelled by the client')));
  const progress = deps.progress(`specedit: ${request.kind}`);
  const files = new ServedFiles(deps.store);
  try {
    const outcome = await deps.orchestrator().computeEdit(
      { kind: request.kind, document: deps.store.snapshot(doc), range, args: request.args },
      { signal: controller.signal, progress: (m, p) => progress.report(m, p), readFile: files.read, workspace: deps.workspace, types: deps.types, structuralOnly: options.structuralOnly },
    );
    const ms = performance.now() - started;
    if (outcome.status === 'cancelled' || controller.signal.aborted) {
      deps.logger.info(`${request.kind} ${request.uri}: cancelled after ${ms.toFixed(0)} ms (${reasonOf(controller.signal)})`);
      if (deps.store.get(request.uri)?.text.version !== request.version || deps.changePending?.(request.uri)) throw contentModified(request.uri, request.version, deps.store);
      throw new ResponseError(LSPErrorCodes.RequestCancelled, `specedit: the ${request.kind} edit was cancelled (${reasonOf(controller.signal)})`);
    }
    if (outcome.status === 'unavailable') {
      deps.logger.info(`${request.kind} ${request.uri}: unavailable after ${ms.toFixed(0)} ms: ${outcome.reason}`);
      throw new ResponseError(LSPErrorCodes.RequestFailed, `specedit: ${outcome.reason}`);
    }
    await readPendingInput();
    requireCurrent(deps.store, request.uri, request.version, deps.changePending);
    const result = outcome.result;
    requireEditsCurrent(deps.store, result.edits, deps.changePending);
    result.stats.wallMs = ms;
    const edit = toWorkspaceEdit(result.edits, deps.store, deps.useDocumentChanges(), (uri) => files.textOf(uri));
    deps.stats.record({ kind: request.kind, mode: result.mode, uri: request.uri, stats: result.stats, at: new Date().toISOString() });
    deps.logger.info(`${request.kind} ${request.uri} v${request.version}: ${result.title} [${result.mode}] ${formatStats(result.stats)}`);
    return { edit, result };
  } finally {
    cancelSubscription?.dispose();
    progress.finish();
    deps.tracker.finish(controller);
  }
}

/** The document must be open, within the size limit, still at `version`, with no change to it waiting to be applied. */
export function requireCurrent(store: DocumentStore, uri: string, version: number, changePending?: (uri: string) => boolean): OpenDocument {
  const doc = store.get(uri);
  if (!doc && store.tooLarge(uri)) throw tooLargeError(uri);
  if (!doc) throw invalidParams(`specedit: ${uri} is not open; open it in the editor and ask for code actions again`);
  if (doc.text.version !== version || changePending?.(uri)) throw contentModified(uri, version, store);
  return doc;
}

/** Why rename and edits refuse a document above `maxDocumentSize`. */
export function tooLargeError(uri: string): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestFailed, `specedit: ${uri} is larger than the "maxDocumentSize" setting, so its features are off; nothing was changed`);
}

/**
 * Lets the event loop read what the client sent while this edit was computed:
 * two turns, so that a poll phase runs in between (one setImmediate can run
 * before the poll phase of the same turn).
 */
async function readPendingInput(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Every file the edit touches is still at the text it was computed on: open
 * files at their version, files read from disk still closed (once open, the
 * editor's text may differ from what was read).
 */
export function requireEditsCurrent(store: DocumentStore, edits: readonly FileEdit[], changePending?: (uri: string) => boolean): void {
  for (const edit of edits) {
    const now = store.get(edit.uri)?.text.version;
    if (edit.version !== null && (now !== edit.version || changePending?.(edit.uri))) throw contentModified(edit.uri, edit.version, store);
    if (edit.version === null && (store.isOpen(edit.uri) || changePending?.(edit.uri))) {
      throw new ResponseError(
        LSPErrorCodes.ContentModified,
        `specedit: ${edit.uri} was opened while this edit was computed from the file on disk; nothing was applied. Ask again.`,
      );
    }
  }
}

function contentModified(uri: string, version: number, store: DocumentStore): ResponseError<void> {
  const current = store.get(uri)?.text.version;
  const now = current === version ? `${version} with a newer change arriving` : current;
  return new ResponseError(
    LSPErrorCodes.ContentModified,
    `specedit: ${uri} changed since this edit was requested (version ${version}, now ${now ?? 'closed'}); nothing was applied. Ask for code actions again.`,
  );
}

function reasonOf(signal: AbortSignal): string {
  const reason = signal.reason;
  return reason instanceof Error ? reason.message : reason ? String(reason) : 'cancelled';
}

