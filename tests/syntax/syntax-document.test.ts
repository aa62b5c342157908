import fc from 'fast-check';
import type Parser from 'tree-sitter';
import { canonicalLanguageId, languageFor, syntaxUnavailableReason } from '../../syntax/language.js';
import { SyntaxDocument } from '../../syntax/syntax-document.js';

/** Every node's type, field-free shape, UTF-16 range and points: what an incremental parse must reproduce exactly. */
function signature(tree: Parser.Tree): string {
  const lines: string[] = [];
  const cursor = tree.walk();
  let depth = 0;
  for (;;) {
    const { startPosition: s, endPosition: e } = cursor;
    lines.push(`${depth} ${cursor.nodeType}${cursor.nodeIsMissing ? '!' : ''} ${cursor.startIndex}-${cursor.endIndex} ${s.row}:${s.column}-${e.row}:${e.column}`);
    if (cursor.gotoFirstChild()) { depth++; continue; }
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) return lines.join('\n');
      depth--;
    }
  }
}

/** Brute-force row/column of a UTF-16 offset: rows split at `\n` only, as tree-sitter counts them. */
function pointOf(text: string, offset: number): Parser.Point {
  const lines = text.slice(0, offset).split('\n');
  return { row: lines.length - 1, column: lines[lines.length - 1].length };
}

/**
 * The edit must move the old tree's nodes to where their text now is. tree-sitter
 * re-lexes around an edit, so wrong edit points do not show in the new tree, only
 * in the positions of the edited old tree (which also feed `getChangedRanges`).
 * Returns the misplaced nodes.
 */
function misplacedAfterEdit(edited: Parser.Tree, text: string, start: number, newEnd: number): string[] {
  const wrong: string[] = [];
  const same = (a: Parser.Point, b: Parser.Point) => a.row === b.row && a.column === b.column;
  const cursor = edited.walk();
  for (;;) {
    const { startIndex, endIndex } = cursor;
    const outside = endIndex <= start || startIndex >= newEnd;
    if (outside && !(same(cursor.startPosition, pointOf(text, startIndex)) && same(cursor.endPosition, pointOf(text, endIndex)))) {
      wrong.push(`${cursor.nodeType} ${startIndex}-${endIndex}`);
    }
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) if (!cursor.gotoParent()) return wrong;
  }
}

function freshParse(languageId: string, text: string): Parser.Tree {
  return languageFor(languageId)!.parser.parse(text);
}

describe('languageFor', () => {
  it('maps the four LSP language ids to a grammar and nothing else', () => {
    expect(syntaxUnavailableReason()).toBeUndefined();
    expect(languageFor('typescript')?.grammar).toBe('typescript');
    expect(languageFor('typescriptreact')?.grammar).toBe('tsx');
    expect(languageFor('javascript')?.grammar).toBe('tsx');
    expect(languageFor('javascriptreact')?.grammar).toBe('tsx');
    expect(languageFor('python')).toBeUndefined();
    expect(languageFor('typescript')?.parser).toBe(languageFor('typescript')?.parser);
    expect(languageFor('javascript')?.parser).toBe(languageFor('typescriptreact')?.parser);
  });

  it('reports offsets and columns in UTF-16 code units', () => {
    const text = 'const s = "😀中"; const 名前 = s;\nlet é = 名前;';
    const doc = new SyntaxDocument('typescript', text);
    const use = text.lastIndexOf('名前');
    const node = doc.tree.rootNode.descendantForIndex(use, use + 2);
    expect(node.type).toBe('identifier');
    expect(node.text).toBe('名前');
    expect(node.startPosition).toEqual({ row: 1, column: 8 });
    expect(doc.tree.rootNode.endIndex).toBe(text.length);
  });

  it.each([
    ['typescript', 'file:///a/b.js', 'typescript'],
    ['typescript-ts', 'file:///a/b.ts', 'typescript'],
    ['js', 'file:///a/b.ts', 'typescript'],
    ['tsx-ts', 'file:///a/b.tsx', 'typescriptreact'],
    ['js', 'file:///a/b.mjs', 'javascript'],
    ['rjsx', 'file:///a/b.jsx', 'javascriptreact'],
    ['ts', 'untitled:Untitled-1', 'typescript'],
    ['js2', 'untitled:Untitled-2', 'javascript'],
    ['python', 'file:///a/b.py', 'python'],
    ['plaintext', 'file:///a/b.TS?x=1', 'typescript'],
  ])('editors\' language id %s for %s reads as %s', (given, uri, expected) => {
    expect(canonicalLanguageId(given, uri)).toBe(expected);
  });

  it('reads JSX in javascript files', () => {
    const doc = new SyntaxDocument('javascript', 'const e = <div>{x}</div>;\nconst y = a < b > c;');
    expect(doc.tree.rootNode.hasError).toBe(false);
  });
});

describe('SyntaxDocument', () => {
  it('refuses a language it has no grammar for', () => {
    expect(() => new SyntaxDocument('python', 'x = 1')).toThrow(/no syntax support for language `python`/);
  });

  it('parses broken code without throwing', () => {
    const doc = new SyntaxDocument('typescript', 'function (( {');
    expect(doc.tree.rootNode.hasError).toBe(true);
    doc.applyChange(0, 0, '}}} <<< ');
    expect(doc.tree.rootNode.hasError).toBe(true);
  });

  it('rejects a change outside the text', () => {
    const doc = new SyntaxDocument('typescript', 'let x;');
    expect(() => doc.applyChange(3, 99, '')).toThrow(RangeError);
    expect(() => doc.applyChange(4, 3, '')).toThrow(RangeError);
  });

  it('reuses the old tree: untouched subtrees keep their node ids', () => {
    const text = Array.from({ length: 200 }, (_, i) => `function f${i}(a: number) { return a * ${i}; }`).join('\n');
    const doc = new SyntaxDocument('typescript', text);
    const lastId = doc.tree.rootNode.lastChild!.id;
    const firstId = doc.tree.rootNode.firstChild!.id;
    doc.applyChange(10, 10, 'X');
    expect(doc.tree.rootNode.lastChild!.id).toBe(lastId);
    expect(doc.tree.rootNode.firstChild!.id).not.toBe(firstId);
    expect(doc.tree.rootNode.firstChild!.text).toContain('function fX0(');
  });

  it('setText replaces everything', () => {
    const doc = new SyntaxDocument('typescript', 'let a = 1;');
    doc.setText('class B {}');
    expect(doc.text).toBe('class B {}');
    expect(signature(doc.tree)).toBe(signature(freshParse('typescript', 'class B {}')));
  });

  const seeds = [
    'function f(a: number, b = "é") {\n  return a + b.length; // 😀\n}\n',
    'const 名前 = { x: 1, y: [1, 2, 3] };\nfor (const k in 名前) console.log(`${k} → ${名前[k]}`);\n',
    'class C<T> extends Base implements I {\n  #p = 1;\n  m(): T | undefined { return undefined; }\n}\n',
    'const el = <div className="a">{items.map(i => <Item key={i} />)}</div>;\n',
    '',
  ];
  const fragments = ['\n', ' ', '{', '}', '(', ')', ';', '"', '`', '${', '//', '/*', '*/', '<', '>', '=>', 'x', 'let ', 'if (', 'return ',
    '😀', '中文', 'é', '\u{1F600}\n', '\r\n', 'function g() {\n  ', '\n}\n', 'a.b?.c', '<div>', '</div>'];
  const edit = fc.record({
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    deleteLength: fc.nat({ max: 12 }),
    insert: fc.oneof(
      fc.array(fc.constantFrom(...fragments), { maxLength: 6 }).map(parts => parts.join('')),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
      fc.string({ unit: 'binary', maxLength: 4 }),
    ),
  });
  /** A random edit, or undoing the latest one: undo brings broken text back to valid code, as typing does. */
  const step = fc.oneof({ arbitrary: edit, weight: 3 }, { arbitrary: fc.constant('undo' as const), weight: 2 });

  /**
   * tree-sitter promises an incremental parse equal to a fresh one for text that
   * parses cleanly; inside error recovery the two can pick different (equally
   * broken) trees. Example, tsx: inserting "function g() {\n  function g() {\n  "
   * before a valid function gives `function_declaration` incrementally and
   * `expression_statement (function_expression)` from scratch. So: exact equality
   * whenever the fresh parse has no error, and for broken text the same error
   * status and extent. Every step checks that the edit moved the old tree's nodes.
   */
  it.each(['typescript', 'typescriptreact'])('incremental parsing equals a full parse after random edits (%s)', languageId => {
    let cleanSteps = 0;
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(step, { minLength: 1, maxLength: 25 }), (seed, steps) => {
        const doc = new SyntaxDocument(languageId, seed);
        const undo: { start: number; end: number; text: string }[] = [];
        for (const s of steps) {
          let change: { start: number; end: number; text: string };
          if (s === 'undo') {
            const last = undo.pop();
            if (!last) continue;
            change = last;
          } else {
            const start = Math.floor(s.at * doc.text.length);
            const end = Math.min(doc.text.length, start + s.deleteLength);
            change = { start, end, text: s.insert };
            undo.push({ start, end: start + s.insert.length, text: doc.text.slice(start, end) });
          }
          const before = doc.tree;
          doc.applyChange(change.start, change.end, change.text);
          expect(misplacedAfterEdit(before, doc.text, change.start, change.start + change.text.length)).toEqual([]);
          const fresh = freshParse(languageId, doc.text);
          expect(doc.tree.rootNode.hasError).toBe(fresh.rootNode.hasError);
          expect([doc.tree.rootNode.startIndex, doc.tree.rootNode.endIndex]).toEqual([fresh.rootNode.startIndex, fresh.rootNode.endIndex]);
          if (!fresh.rootNode.hasError) {
            cleanSteps++;
            expect(doc.tree.rootNode.toString()).toBe(fresh.rootNode.toString());
            expect(signature(doc.tree)).toBe(signature(fresh));
          }
        }
      }),
      { numRuns: 200 },
    );
    // The exact comparison must have run often enough to mean something.
    expect(cleanSteps).toBeGreaterThan(100);
  });
});
