/**
 * Extract function where the selection both returns from the enclosing
 * function and assigns variables read after it (a closure or a loop reads
 * them again): as TypeScript's own extraction does, each `return x` of the
 * selection becomes `return { __return: x, n }`, and the call site
 * `let __return; ({ __return, n } = f(...)); return __return;`.
 */
import type Parser from 'tree-sitter';
import type { OffsetRange } from '../../protocol/text.js';

type SyntaxNode = Parser.SyntaxNode;

export interface Insertion {
  at: number;
  text: string;
}

/** The selection's own `return`s (`returns`, none inside nested functions) rewritten to return `valueName` and `names` too. */
export function valueReturns(returns: readonly SyntaxNode[], valueName: string, names: readonly string[]): Insertion[] {
  const rest = names.length > 0 ? `, ${names.join(', ')}` : '';
  return returns.flatMap((statement) => {
    const value = statement.namedChildren.find((c) => c.type !== 'comment');
    if (!value) {
      // `return;` returns undefined
      const keyword = statement.children[0];
      return [{ at: keyword.endIndex, text: ` { ${valueName}: undefined${rest} }` }];
    }
    // `return a, b` is one value: the comma would end the property.
    const sequence = value.type === 'sequence_expression';
    return [
      { at: value.startIndex, text: `{ ${valueName}: ${sequence ? '(' : ''}` },
      { at: value.endIndex, text: `${sequence ? ')' : ''}${rest} }` },
    ];
  });
}

/** The line that ends a function whose selection may fall off its end: the caller's function returns undefined then. */
export function fallThroughReturn(valueName: string, names: readonly string[], semicolon: string): string {
  return `return { ${valueName}: undefined${names.length > 0 ? `, ${names.join(', ')}` : ''} }${semicolon}`;
}

/** The call site: the value and the variables assigned back, then the value returned. */
export function valueReturnCall(call: string, valueName: string, names: readonly string[], callIndent: string, semicolon: string): string {
  // `let v;` ends in `;` so the assignment's `(` cannot continue it, whatever the file's semicolon style.
  return `let ${valueName};\n${callIndent}({ ${[valueName, ...names].join(', ')} } = ${call})${semicolon}\n${callIndent}return ${valueName}${semicolon}`;
}

/** `base`, else `base2`, `base3`...: the first that the file does not mention at all. */
export function freeName(text: string, base: string): string {
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}${n}`;
    if (!new RegExp(`(^|[^\\p{ID_Continue}$])${name.replace(/\$/g, '\\$')}($|[^\\p{ID_Continue}$])`, 'u').test(text)) return name;
  }
}

/** `text` with the insertions made, and the ranges given moved with it. */
export function insertInto(text: string, insertions: readonly Insertion[], ranges: readonly OffsetRange[]): { text: string; ranges: OffsetRange[] } {
  const sorted = [...insertions].sort((a, b) => a.at - b.at);
  // Text inserted at a range's end joins it (a returned value ending the selection); none holds a line break, so line starts keep their place.
  const shift = (offset: number) => sorted.reduce((n, i) => n + (i.at <= offset ? i.text.length : 0), offset);
  let out = '';
  let from = 0;
  for (const i of sorted) {
    out += text.slice(from, i.at) + i.text;
    from = i.at;
  }
  out += text.slice(from);
  return { text: out, ranges: ranges.map((r) => ({ start: shift(r.start), end: shift(r.end) })) };
}
