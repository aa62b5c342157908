import { ResponseError, ErrorCodes, type Position, type Range } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { OffsetRange } from '../protocol/text.js';

/**
 * LSP positions -> core offsets. A character past the end of its line means
 * the line's end (LSP: "defaults back to the line length"), and a line past
 * the last one means the end of the document: clients that count bytes
 * (Neovim 0.7 diagnostics after an emoji) or characters differently send such
 * positions, and refusing them would wipe out every action on the line.
 * A position that is not one (negative, fractional, missing) is refused.
 */
export function offsetAt(doc: TextDocument, pos: Position): number {
  if (!pos || !Number.isInteger(pos.line) || !Number.isInteger(pos.character) || pos.line < 0 || pos.character < 0) {
    throw invalidParams(`invalid position ${JSON.stringify(pos)}`);
  }
  if (pos.line >= doc.lineCount) return doc.getText().length;
  const text = doc.getText();
  const lineStart = doc.offsetAt({ line: pos.line, character: 0 });
  let lineEnd = pos.line + 1 < doc.lineCount ? doc.offsetAt({ line: pos.line + 1, character: 0 }) : text.length;
  if (lineEnd > lineStart && text[lineEnd - 1] === '\n') lineEnd--;
  if (lineEnd > lineStart && text[lineEnd - 1] === '\r') lineEnd--;
  return lineStart + Math.min(pos.character, lineEnd - lineStart);
}

export function offsetRange(doc: TextDocument, range: Range): OffsetRange {
  if (!range || typeof range !== 'object') throw invalidParams(`invalid range ${JSON.stringify(range)}`);
  const start = offsetAt(doc, range.start);
  const end = offsetAt(doc, range.end);
  if (end < start) throw invalidParams(`range end ${JSON.stringify(range.end)} is before its start ${JSON.stringify(range.start)}`);
  return { start, end };
}

export function toLspRange(doc: TextDocument, range: OffsetRange): Range {
  return { start: doc.positionAt(range.start), end: doc.positionAt(range.end) };
}

export function invalidParams(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, message);
}
