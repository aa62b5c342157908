/**
 * Text positions in the core are UTF-16 code-unit offsets into a document's
 * text (the same unit as LSP and tree-sitter's JS binding). The server converts
 * LSP line/character positions at the edge.
 */
export interface OffsetRange {
  /** inclusive start offset */
  start: number;
  /** exclusive end offset */
  end: number;
}

/** Replace `[start, end)` of the old text by `newText`. Offsets refer to the text the edit was computed on. */
export interface TextReplacement {
  start: number;
  end: number;
  newText: string;
}

/** Applies replacements (non-overlapping, any order) to `text`. */
export function applyReplacements(text: string, replacements: readonly TextReplacement[]): string {
  const sorted = [...replacements].sort((a, b) => a.start - b.start);
  let out = '';
  let cursor = 0;
  for (const r of sorted) {
    if (r.start < cursor || r.end < r.start || r.end > text.length) {
      throw new RangeError(`overlapping or out-of-range replacement [${r.start}, ${r.end})`);
    }
    out += text.slice(cursor, r.start) + r.newText;
    cursor = r.end;
  }
  return out + text.slice(cursor);
}

/** 1-based line number of `offset` in `text`, for messages. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** The ranges overlap or touch (an empty range at either end counts). */
export function rangesTouch(a: OffsetRange, b: OffsetRange): boolean {
  return a.start <= b.end && b.start <= a.end;
}
