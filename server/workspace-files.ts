/**
 * The files of the workspace as an edit sees them: open documents from the
 * store (their text wins), other files from disk with version null; and the
 * workspace index kept in step with the editor (didOpen/didChange/didClose
 * through the store, watched-file events from the client).
 */
import { readFile } from 'node:fs/promises';
import { FileChangeType, type FileEvent, type InitializeParams } from 'vscode-languageserver/node';
import type { DocumentSnapshot } from '../protocol/edit-task.js';
import { languageIdForPath, pathOf, type WorkspaceIndex } from '../workspace/workspace-index.js';
import type { DocumentStore } from './document-store.js';

/**
 * `EditContext.readFile` for one edit. It remembers what it served, so the
 * edit's offsets in files that are not open can be turned into LSP positions
 * on the very text they were computed on.
 */
export class ServedFiles {
  private readonly served = new Map<string, DocumentSnapshot>();

  constructor(private readonly store: DocumentStore) {}

  readonly read = async (uri: string): Promise<DocumentSnapshot | undefined> => {
    const open = this.store.get(uri);
    if (open) return this.store.snapshot(open);
    if (this.store.isOpen(uri)) return undefined; // open above the size limit: the editor's text is not known, the disk's may be older
    const path = pathOf(uri);
    if (path === undefined) return undefined;
    try {
      const snapshot: DocumentSnapshot = { uri, languageId: languageIdForPath(path), version: null, text: await readFile(path, 'utf8') };
      this.served.set(uri, snapshot);
      return snapshot;
    } catch {
      return undefined;
    }
  };

  /** The disk text served for a file that was not open. */
  textOf(uri: string): string | undefined {
    return this.served.get(uri)?.text;
  }
}

/** The workspace folders of `initialize` (rootUri when the client sends no folders). */
export function workspaceRoots(params: InitializeParams): string[] {
  // What the client sent is untrusted: only string URIs count.
  const folders = Array.isArray(params.workspaceFolders) ? params.workspaceFolders.map((f) => (f as { uri?: unknown } | null)?.uri).filter((u): u is string => typeof u === 'string') : [];
  if (folders.length > 0) return folders;
  return typeof params.rootUri === 'string' ? [params.rootUri] : [];
}

/** Keeps the index on the open documents' text: called with every store change (open, change, close). */
export function syncOpenDocument(index: WorkspaceIndex, store: DocumentStore, uri: string): void {
  const doc = store.get(uri);
  if (!doc) {
    void index.documentClosed(uri);
    return;
  }
  index.documentChanged(uri, () => {
    const current = store.get(uri);
    if (!current) return undefined;
    return { languageId: current.languageId, text: current.text.getText(), tree: current.syntax?.tree };
  });
}

/** workspace/didChangeWatchedFiles. */
export function applyWatchedFileEvents(index: WorkspaceIndex, changes: readonly FileEvent[]): Promise<void> {
  return Promise.all(changes.map((c) => (c.type === FileChangeType.Deleted ? index.fileDeleted(c.uri) : index.fileChanged(c.uri)))).then(() => undefined);
}
