import type Parser from 'tree-sitter';
import type { OffsetRange } from '../protocol/text.js';

/** A node's range in UTF-16 offsets (tree-sitter's JS binding reports UTF-16; see language.ts). */
export function rangeOf(node: Parser.SyntaxNode): OffsetRange {
  return { start: node.startIndex, end: node.endIndex };
}

/** `range` without leading and trailing whitespace (never inverted). */
export function trimWhitespace(text: string, { start, end }: OffsetRange): OffsetRange {
  let s = start;
  let e = end;
  while (s < e && /\s/.test(text[s])) s++;
  while (e > s && /\s/.test(text[e - 1])) e--;
  return { start: s, end: e };
}
