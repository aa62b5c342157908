import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver/node';
import { SyntaxDocument } from '../syntax/syntax-document.js';
import { canonicalLanguageId, languageFor } from '../syntax/language.js';
import type { DocumentSnapshot } from '../protocol/edit-task.js';

/** An open document: LSP text (for position mapping) and its tree-sitter tree, kept in step. */
export interface OpenDocument {
  readonly uri: string;
  readonly languageId: string;
  readonly text: TextDocument;
  /** Undefined for languages we do not parse; the document is still tracked. */
  readonly syntax: SyntaxDocument | undefined;
}

/**
 * Open documents. Incremental changes are applied to both the LSP text and
 * the syntax tree (`tree.edit` + reparse with the old tree), never a full
 * parse per keystroke.
 */
export class DocumentStore {
  private docs = new Map<string, OpenDocument>();
  private listeners: Array<(uri: string) => void> = [];

  /** Called after every change and close (cancels work computed on older text). */
  onDidChange(listener: (uri: string) => void): void {
    this.listeners.push(listener);
  }

  open(uri: string, givenLanguageId: string, version: number, content: string): OpenDocument {
    const languageId = canonicalLanguageId(givenLanguageId, uri);
    const syntax = languageFor(languageId) ? new SyntaxDocument(languageId, content) : undefined;
    const doc: OpenDocument = { uri, languageId, text: TextDocument.create(uri, languageId, version, content), syntax };
    this.docs.set(uri, doc);
    this.notify(uri);
    return doc;
  }

  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): OpenDocument | undefined {
    const doc = this.docs.get(uri);
    if (!doc) return undefined;
    for (const change of changes) {
      if ('range' in change && change.range) {
        // Offsets are taken on the text before this change, then both views are updated.
        const start = doc.text.offsetAt(change.range.start);
        const end = doc.text.offsetAt(change.range.end);
        TextDocument.update(doc.text, [change], version);
        doc.syntax?.applyChange(start, end, change.text);
      } else {
        TextDocument.update(doc.text, [change], version);
        doc.syntax?.setText(change.text);
      }
    }
    // A notification with no changes still moves the version forward.
    if (changes.length === 0) TextDocument.update(doc.text, [], version);
    this.notify(uri);
    return doc;
  }

  close(uri: string): void {
    this.docs.delete(uri);
    this.notify(uri);
  }

  get(uri: string): OpenDocument | undefined {
    return this.docs.get(uri);
  }

  all(): OpenDocument[] {
    return [...this.docs.values()];
  }

  snapshot(doc: OpenDocument): DocumentSnapshot {
    return { uri: doc.uri, languageId: doc.languageId, version: doc.text.version, text: doc.text.getText() };
  }

  private notify(uri: string): void {
    for (const l of this.listeners) l(uri);
  }
}
