import { ResponseError, ErrorCodes, type Position, type Range } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { OffsetRange } from '../protocol/text.js';

/**
 * LSP positions <-> core offsets. `TextDocument.offsetAt` silently clamps
 * positions past the end; a request with such positions is a client bug, and
 * it gets a clear InvalidParams error instead of an edit at a guessed place.
 */
export function offsetAtStrict(doc: TextDocument, pos: Position): number {
  if (!pos || !Number.isInteger(pos.line) || !Number.isInteger(pos.character) || pos.line < 0 || pos.character < 0) {
    throw invalidParams(`invalid position ${JSON.stringify(pos)}`);
  }
  if (pos.line >= doc.lineCount) {
    throw invalidParams(`position ${pos.line}:${pos.character} is past the end of ${doc.uri} (${doc.lineCount} lines)`);
  }
  const lineStart = doc.offsetAt({ line: pos.line, character: 0 });
  const nextLineStart = pos.line + 1 < doc.lineCount ? doc.offsetAt({ line: pos.line + 1, character: 0 }) : doc.getText().length;
  const lineText = doc.getText().slice(lineStart, nextLineStart).replace(/\r?\n$/, '');
  if (pos.character > lineText.length) {
    throw invalidParams(`position ${pos.line}:${pos.character} is past the end of line ${pos.line} (${lineText.length} characters) in ${doc.uri}`);
  }
  return lineStart + pos.character;
}

export function offsetRangeStrict(doc: TextDocument, range: Range): OffsetRange {
  if (!range || typeof range !== 'object') throw invalidParams(`invalid range ${JSON.stringify(range)}`);
  const start = offsetAtStrict(doc, range.start);
  const end = offsetAtStrict(doc, range.end);
  if (end < start) throw invalidParams(`range end ${JSON.stringify(range.end)} is before its start ${JSON.stringify(range.start)}`);
  return { start, end };
}

export function toLspRange(doc: TextDocument, range: OffsetRange): Range {
  return { start: doc.positionAt(range.start), end: doc.positionAt(range.end) };
}

export function invalidParams(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, message);
}
