import type { TextEdit, WorkspaceEdit, TextDocumentEdit } from 'vscode-languageserver/node';
import type { FileEdit } from '../protocol/edit-task.js';
import type { DocumentStore } from './document-store.js';

/**
 * Core edits -> LSP WorkspaceEdit. With `documentChanges` (when the client
 * supports them) every file's edits carry the version they were computed on,
 * so the client itself refuses to apply them over newer text; without, the
 * server checks versions before answering (see edit-service.ts).
 */
export function toWorkspaceEdit(edits: FileEdit[], store: DocumentStore, useDocumentChanges: boolean): WorkspaceEdit {
  const perFile = edits.map((fileEdit) => ({ fileEdit, textEdits: toTextEdits(fileEdit, store) }));
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

function toTextEdits(fileEdit: FileEdit, store: DocumentStore): TextEdit[] {
  const open = store.get(fileEdit.uri);
  if (!open || (fileEdit.version !== null && open.text.version !== fileEdit.version)) {
    throw new Error(`cannot map edits for ${fileEdit.uri}: the text they were computed on is no longer available`);
  }
  return [...fileEdit.replacements].sort((a, b) => a.start - b.start).map((r) => ({
    range: { start: open.text.positionAt(r.start), end: open.text.positionAt(r.end) },
    newText: r.newText,
  }));
}
