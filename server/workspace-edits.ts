import type { TextEdit, WorkspaceEdit, TextDocumentEdit } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { FileEdit } from '../protocol/edit-task.js';
import type { DocumentStore } from './document-store.js';

/**
 * Core edits -> LSP WorkspaceEdit. With `documentChanges` (when the client
 * supports them) every file's edits carry the version they were computed on,
 * so the client itself refuses to apply them over newer text; without, the
 * server checks versions before answering (see edit-service.ts). Files that
 * are not open (version null) are mapped on the disk text the edit was
 * computed on (`diskText`), and travel with version null.
 */
export function toWorkspaceEdit(edits: FileEdit[], store: DocumentStore, useDocumentChanges: boolean, diskText: (uri: string) => string | undefined = () => undefined): WorkspaceEdit {
  const perFile = edits.map((fileEdit) => ({ fileEdit, textEdits: toTextEdits(fileEdit, store, diskText) }));
  if (useDocumentChanges) {
    const documentChanges: TextDocumentEdit[] = perFile.map(({ fileEdit, textEdits }) => ({
      textDocument: { uri: fileEdit.uri, version: fileEdit.version },
      edits: textEdits,
    }));
    return { documentChanges };
  }
  const changes: Record<string, TextEdit[]> = {};
  for (const { fileEdit, textEdits } of perFile) changes[fileEdit.uri] = textEdits;
  return { changes };
}

function toTextEdits(fileEdit: FileEdit, store: DocumentStore, diskText: (uri: string) => string | undefined): TextEdit[] {
  const text = textComputedOn(fileEdit, store, diskText);
  if (!text) throw new Error(`cannot map edits for ${fileEdit.uri}: the text they were computed on is no longer available`);
  return [...fileEdit.replacements].sort((a, b) => a.start - b.start).map((r) => ({
    range: { start: text.positionAt(r.start), end: text.positionAt(r.end) },
    newText: r.newText,
  }));
}

function textComputedOn(fileEdit: FileEdit, store: DocumentStore, diskText: (uri: string) => string | undefined): TextDocument | undefined {
  const open = store.get(fileEdit.uri);
  if (fileEdit.version !== null) return open?.text.version === fileEdit.version ? open.text : undefined;
  const disk = open ? undefined : diskText(fileEdit.uri);
  return disk === undefined ? undefined : TextDocument.create(fileEdit.uri, 'plaintext', 0, disk);
}
