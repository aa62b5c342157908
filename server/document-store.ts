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
 * An open document above the size limit: only its identity and version are
 * kept, no text, no tree, nothing indexed, so it costs no memory or time.
 * Its features are off (the server says so once); a full-text change that
 * brings it under the limit makes it an ordinary document again.
 */
export interface LargeDocument {
  readonly uri: string;
  readonly languageId: string;
  version: number;
  /** Characters when it was last seen whole. */
  size: number;
  /** The user was told that its features are off. */
  announced?: boolean;
}

/** Default `maxDocumentSize`: characters (UTF-16 code units). */
export const DEFAULT_MAX_DOCUMENT_SIZE = 10 * 1024 * 1024;

/**
 * Open documents. Incremental changes are applied to both the LSP text and
 * the syntax tree (`tree.edit` + reparse with the old tree), never a full
 * parse per keystroke.
 */
export class DocumentStore {
  private docs = new Map<string, OpenDocument>();
  private large = new Map<string, LargeDocument>();
  private listeners: Array<(uri: string) => void> = [];
  /** Documents larger than this (characters) are kept as LargeDocument. */
  maxDocumentSize = DEFAULT_MAX_DOCUMENT_SIZE;

  /** Called after every change and close (cancels work computed on older text). */
  onDidChange(listener: (uri: string) => void): void {
    this.listeners.push(listener);
  }

  /** `textSize`: the length of a text the large-message decoder left out (server/large-messages.ts), else the content's. */
  open(uri: string, givenLanguageId: string, version: number, content: string, textSize = content.length): OpenDocument | LargeDocument {
    const languageId = canonicalLanguageId(givenLanguageId, uri);
    this.docs.delete(uri);
    this.large.delete(uri);
    if (Math.max(textSize, content.length) > this.maxDocumentSize) {
      const large: LargeDocument = { uri, languageId, version, size: Math.max(textSize, content.length) };
      this.large.set(uri, large);
      this.notify(uri);
      return large;
    }
    const syntax = languageFor(languageId) ? new SyntaxDocument(languageId, content) : undefined;
    const doc: OpenDocument = { uri, languageId, text: TextDocument.create(uri, languageId, version, content), syntax };
    this.docs.set(uri, doc);
    this.notify(uri);
    return doc;
  }

  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): OpenDocument | LargeDocument | undefined {
    const large = this.large.get(uri);
    if (large) return this.changeLarge(large, version, changes);
    const doc = this.docs.get(uri);
    if (!doc) return undefined;
    const wholeAt = lastWholeText(changes);
    if (wholeAt >= 0 && sizeOf(changes[wholeAt]) > this.maxDocumentSize) return this.open(uri, doc.languageId, version, '', sizeOf(changes[wholeAt]));
    // Insertions that could take it over the limit (a huge paste) are measured before anything is parsed.
    const base = wholeAt >= 0 ? changes[wholeAt].text.length : doc.text.getText().length;
    const mostAfter = changes.slice(wholeAt + 1).reduce((n, c) => n + c.text.length, base);
    if (mostAfter > this.maxDocumentSize) {
      const text = applyAll(doc.text, changes);
      if (text.length > this.maxDocumentSize) return this.open(uri, doc.languageId, version, text);
    }
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

  /** Only a whole new text can be measured: incremental changes to a large document move its version and nothing else. */
  private changeLarge(large: LargeDocument, version: number, changes: TextDocumentContentChangeEvent[]): OpenDocument | LargeDocument {
    const wholeAt = lastWholeText(changes);
    if (wholeAt >= 0 && sizeOf(changes[wholeAt]) <= this.maxDocumentSize) {
      const doc = this.open(large.uri, large.languageId, version, changes[wholeAt].text) as OpenDocument;
      return changes.length > wholeAt + 1 ? (this.change(large.uri, version, changes.slice(wholeAt + 1)) as OpenDocument) : doc;
    }
    if (wholeAt >= 0) large.size = sizeOf(changes[wholeAt]);
    large.version = version;
    this.notify(large.uri);
    return large;
  }

  close(uri: string): void {
    this.docs.delete(uri);
    this.large.delete(uri);
    this.notify(uri);
  }

  /** An open document the server works on (not one above the size limit: see tooLarge). */
  get(uri: string): OpenDocument | undefined {
    return this.docs.get(uri);
  }

  /** The open document above the size limit at `uri`, if it is one. */
  tooLarge(uri: string): LargeDocument | undefined {
    return this.large.get(uri);
  }

  /** Open in the editor, whatever its size. */
  isOpen(uri: string): boolean {
    return this.docs.has(uri) || this.large.has(uri);
  }

  /** The open documents the server works on (those within the size limit). */
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

/** A change's text length, or the length the large-message decoder recorded when it left the text out. */
function sizeOf(change: TextDocumentContentChangeEvent): number {
  return Math.max(change.text.length, (change as { textSize?: number }).textSize ?? 0);
}

/** Index of the last change that replaces the whole text (no range), or -1. */
function lastWholeText(changes: readonly TextDocumentContentChangeEvent[]): number {
  for (let i = changes.length - 1; i >= 0; i--) if (!('range' in changes[i] && (changes[i] as { range?: unknown }).range)) return i;
  return -1;
}

/** The text after `changes`, on a scratch copy (nothing parsed). */
function applyAll(doc: TextDocument, changes: readonly TextDocumentContentChangeEvent[]): string {
  const scratch = TextDocument.create(doc.uri, doc.languageId, doc.version, doc.getText());
  TextDocument.update(scratch, [...changes], doc.version + 1);
  return scratch.getText();
}
