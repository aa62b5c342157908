import type Parser from 'tree-sitter';
import { languageFor, type SyntaxLanguage } from './language.js';

/**
 * One open document's text and its tree-sitter tree, kept in step edit by edit.
 * Each change edits the old tree and reparses with it, so tree-sitter reuses
 * every subtree the change did not touch: a keystroke costs a fraction of a
 * full parse. Broken code still gives a tree (with ERROR/MISSING nodes);
 * parsing never throws on it.
 */
export class SyntaxDocument {
  private readonly language: SyntaxLanguage;
  private currentText: string;
  private currentTree: Parser.Tree;

  /** @throws RangeError when specedit has no grammar for `languageId` (check `languageFor` first). */
  constructor(readonly languageId: string, text: string) {
    const language = languageFor(languageId);
    if (!language) throw new RangeError(`no syntax support for language \`${languageId}\``);
    this.language = language;
    this.currentText = text;
    this.currentTree = language.parser.parse(text);
    const ref = new WeakRef<SyntaxDocument>(this);
    alive.add(ref);
    collected.register(this, ref);
  }

  get text(): string {
    return this.currentText;
  }

  get tree(): Parser.Tree {
    return this.currentTree;
  }

  /** Replaces `[start, end)` (UTF-16 offsets into the current text) by `newText` and reparses incrementally. */
  applyChange(start: number, end: number, newText: string): void {
    const old = this.currentText;
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= old.length)) {
      throw new RangeError(`change [${start}, ${end}) is outside the document (length ${old.length})`);
    }
    const startPosition = pointAt(old, start);
    this.currentTree.edit({
      startIndex: start,
      oldEndIndex: end,
      newEndIndex: start + newText.length,
      startPosition,
      oldEndPosition: advance(startPosition, old, start, end),
      newEndPosition: advance(startPosition, newText, 0, newText.length),
    });
    this.currentText = old.slice(0, start) + newText + old.slice(end);
    this.currentTree = this.language.parser.parse(this.currentText, this.currentTree);
  }

  /** Replaces the whole text: a fresh parse, since nothing of the old tree is known to survive. */
  setText(text: string): void {
    this.currentText = text;
    this.currentTree = this.language.parser.parse(text);
  }
}

/** Every SyntaxDocument not yet collected, weakly: `treeOf` lends their trees; a closed document is not kept. */
const alive = new Set<WeakRef<SyntaxDocument>>();
const collected = new FinalizationRegistry<WeakRef<SyntaxDocument>>((ref) => alive.delete(ref));

/** A tree for a text, and whether it still is one. */
export interface TreeLease {
  readonly tree: Parser.Tree;
  /** False once the document it was lent by has changed: its tree was then edited in place (`tree.edit`). */
  current(): boolean;
}

/**
 * A tree of `text`: the live tree of a document that holds exactly this text
 * (an open document: parsing 5 MB again costs seconds, and the memory of a
 * second tree), else a fresh parse. A lent tree stays its document's, so
 * work that pauses checks `current()` after each pause.
 * @throws RangeError when specedit has no grammar for `languageId`.
 */
export function treeOf(languageId: string, text: string): TreeLease {
  for (const ref of alive) {
    const doc = ref.deref();
    // Equal lengths first: comparing two distinct strings reads them whole.
    if (!doc || doc.languageId !== languageId || doc.text.length !== text.length || doc.text !== text) continue;
    const tree = doc.tree;
    return { tree, current: () => doc.tree === tree };
  }
  const { tree } = new SyntaxDocument(languageId, text);
  return { tree, current: () => true };
}

/** Row and column (UTF-16 units, like the binding's offsets) of `offset`; tree-sitter counts rows by `\n` only. */
function pointAt(text: string, offset: number): Parser.Point {
  return advance({ row: 0, column: 0 }, text, 0, offset);
}

/** The point reached from `from` after reading `text[start, end)`. */
function advance(from: Parser.Point, text: string, start: number, end: number): Parser.Point {
  let row = from.row;
  let lineStart = -1;
  for (let i = text.indexOf('\n', start); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return lineStart === -1 ? { row, column: from.column + (end - start) } : { row, column: end - lineStart };
}
