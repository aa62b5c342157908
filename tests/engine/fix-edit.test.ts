/**
 * Fixes without a model (engine/fix-edit.ts): the repair search finds the
 * one-token edit that makes the code parse, where TypeScript's parser says the
 * token is missing, even when tree-sitter's error spans the whole function;
 * every repair parses with the error gone; the pipeline applies the nearest
 * one when no model is loaded.
 */
import { blockEndsByIndentation, structuralFixes } from '../../engine/fix-edit.js';
import { TypeService } from '../../workspace/type-service.js';
import { EditPipeline } from '../../engine/edit-pipeline.js';
import { editScope } from '../../engine/edit-scope.js';
import { applyReplacements } from '../../protocol/text.js';
import { syntaxProblems } from '../../syntax/diagnostics.js';
import { SyntaxDocument } from '../../syntax/syntax-document.js';

const SOURCE = `export class Queue<T> {
  private items: T[] = [];

  drain(limit: number): T[] {
    const out: T[] = [];
    for (let i = 0; i < Math.min(limit, this.items.length); i++) {
      out.push(this.items[i]);
    }
    try {
      this.items.splice(0, out.length);
    } finally {
      this.notify(out.length);
    }
    return out;
  }

  notify(n: number): void {
    if (n > 0) {
      console.log(\`drained \${n}\`);
    } else {
      console.log('nothing to drain');
    }
  }
}
`;

/** The source with the character at the `nth` occurrence of `needle` (+ `at` within it) removed or doubled. */
function broken(needle: string, at: number, how: 'remove' | 'double'): { text: string; offset: number } {
  const offset = SOURCE.indexOf(needle) + at;
  if (offset < at) throw new Error(`no ${needle}`);
  const text = how === 'remove' ? SOURCE.slice(0, offset) + SOURCE.slice(offset + 1) : SOURCE.slice(0, offset) + SOURCE[offset] + SOURCE.slice(offset);
  return { text, offset };
}

function fixesFor(text: string, offset: number) {
  const doc = new SyntaxDocument('typescript', text);
  const problems = syntaxProblems(doc.tree);
  expect(problems.length).toBeGreaterThan(0);
  const nearest = [...problems].sort((a, b) => Math.abs(a.range.start - offset) - Math.abs(b.range.start - offset))[0];
  const scope = editScope('fix', doc.tree, text, nearest.range);
  const fixes = structuralFixes(doc, scope.range, nearest.range, nearest.message);
  return fixes.map((f) => ({ ...f, document: text.slice(0, scope.range.start) + f.text + text.slice(scope.range.end) }));
}

describe('one-token syntax repairs', () => {
  const cases: Array<{ name: string; needle: string; at: number; how: 'remove' | 'double' }> = [
    { name: "a `;` missing in a for header (tree-sitter's error covers the function)", needle: '; i < Math', at: 0, how: 'remove' },
    { name: 'a `)` missing before a for body', needle: 'length); i++', at: 6, how: 'remove' },
    { name: 'a `}` missing before `finally`', needle: '} finally', at: 0, how: 'remove' },
    { name: 'a `}` missing before `else`', needle: '} else', at: 0, how: 'remove' },
    { name: 'a `)` too many', needle: 'splice(0, out.length);', at: 20, how: 'double' },
  ];
  test.each(cases)('$name: the first repair gives back the original', ({ needle, at, how }) => {
    const { text, offset } = broken(needle, at, how);
    const fixes = fixesFor(text, offset);
    expect(fixes.length).toBeGreaterThan(0);
    expect(fixes[0].document).toBe(SOURCE);
    for (const f of fixes) expect(syntaxProblems(new SyntaxDocument('typescript', f.document).tree)).toEqual([]);
  });

  test('clean code has no repair', () => {
    const doc = new SyntaxDocument('typescript', SOURCE);
    const scope = editScope('fix', doc.tree, SOURCE, { start: 100, end: 100 });
    expect(structuralFixes(doc, scope.range, { start: 100, end: 100 }, 'Something is wrong.')).toEqual([]);
  });

  test("a suggestion that would not parse (\"')' expected.\" at the wrong place) is not offered", () => {
    const text = SOURCE.replace('Math.min(limit, this.items.length)', 'Math.min(limit, this.items.length');
    const at = text.indexOf('; i++)');
    const doc = new SyntaxDocument('typescript', text);
    const scope = editScope('fix', doc.tree, text, { start: at, end: at });
    const fixes = structuralFixes(doc, scope.range, { start: at + 1, end: at + 1 }, "')' expected.");
    expect(fixes.length).toBeGreaterThan(0);
    for (const f of fixes) {
      const fixed = text.slice(0, scope.range.start) + f.text + text.slice(scope.range.end);
      expect(syntaxProblems(new SyntaxDocument('typescript', fixed).tree)).toEqual([]);
    }
  });
});

describe('EditPipeline without models', () => {
  const pipeline = new EditPipeline({ models: { unavailable: 'no models in this test' } });
  const document = (text: string) => ({ uri: 'file:///queue.ts', languageId: 'typescript', version: 3, text });

  test('a "Did you mean" diagnostic is fixed structurally', async () => {
    const text = SOURCE.replace('this.notify(out.length)', 'this.notfy(out.length)');
    const at = text.indexOf('notfy');
    const outcome = await pipeline.computeEdit(
      { kind: 'fix', document: document(text), range: { start: at, end: at + 5 }, args: { diagnostic: { message: "Property 'notfy' does not exist on type 'Queue<T>'. Did you mean 'notify'?" } } },
      { signal: new AbortController().signal },
    );
    expect(outcome.status).toBe('ok');
    if (outcome.status !== 'ok') return;
    expect(outcome.result.mode).toBe('structural');
    expect(outcome.result.edits[0].version).toBe(3);
    expect(applyReplacements(text, outcome.result.edits[0].replacements)).toBe(SOURCE);
  });

  test('a syntax error is fixed with the nearest repair; without one, the reason names the models', async () => {
    const { text, offset } = broken('; i < Math', 0, 'remove');
    const outcome = await pipeline.computeEdit({ kind: 'fix', document: document(text), range: { start: offset, end: offset }, args: {} }, { signal: new AbortController().signal });
    expect(outcome.status).toBe('ok');
    if (outcome.status === 'ok') expect(applyReplacements(text, outcome.result.edits[0].replacements)).toBe(SOURCE);
    const none = await pipeline.computeEdit(
      { kind: 'fix', document: document(SOURCE), range: { start: 10, end: 10 }, args: { diagnostic: { message: "Type 'string' is not assignable to type 'number'." } } },
      { signal: new AbortController().signal },
    );
    expect(none).toEqual({ status: 'unavailable', reason: expect.stringMatching(/needs the models, which are not available: no models in this test/) });
  });

  test('a `}` missing inside a function, reported where the file ends: the indentation puts it back', async () => {
    const closing = '    return out;\n  }\n';
    const text = SOURCE.replace(closing, '    return out;\n');
    const end = text.length - 1;
    expect(blockEndsByIndentation(text, { start: 0, end: text.length })).toEqual([{ at: text.indexOf('return out;\n') + 'return out;\n'.length, insert: '  }\n' }]);
    // Braces in strings (a lexer's `'}}'`) do not hide it.
    const lexer = `${text}const CLOSE = '}}}';\n`;
    expect(blockEndsByIndentation(lexer, { start: 0, end: lexer.length }).map((c) => c.at)).toEqual([text.indexOf('return out;\n') + 'return out;\n'.length]);
    const objectEnd = 'const f = () => {\n  return {\n    a: 1,\n  ;\n};\n';
    expect(blockEndsByIndentation(objectEnd, { start: 0, end: objectEnd.length })).toEqual([{ at: objectEnd.indexOf('  ;'), insert: '}' }].map((c) => ({ ...c, at: c.at + 2 })));
    for (const message of ['Syntax error: missing `}`', "'}' expected."]) {
      const outcome = await pipeline.computeEdit({ kind: 'fix', document: document(text), range: { start: end, end }, args: { diagnostic: { message } } }, { signal: new AbortController().signal });
      expect(outcome.status).toBe('ok');
      if (outcome.status === 'ok') expect(applyReplacements(text, outcome.result.edits[0].replacements)).toBe(SOURCE);
    }
  });

  test('among repairs that parse, the type checker prefers the one with the fewest errors', async () => {
    const original = "export function words(text: string): number {\n  return text.split(' ').filter(Boolean).length;\n}\n";
    const text = original.replace('filter(Boolean)', 'filter(Boolean');
    const at = text.indexOf(';');
    const task = { kind: 'fix' as const, document: { ...document(text), uri: 'file:///specedit-test/words.ts' }, range: { start: at, end: at }, args: { diagnostic: { message: "')' expected." } } };
    const fixed = async (types?: TypeService) => {
      const outcome = await pipeline.computeEdit(task, { signal: new AbortController().signal, types });
      if (outcome.status !== 'ok') throw new Error(JSON.stringify(outcome));
      return applyReplacements(text, outcome.result.edits[0].replacements);
    };
    // Nearest first, without a checker: `filter(Boolean.length)` parses too.
    expect(await fixed()).toBe(original.replace('filter(Boolean).length', 'filter(Boolean.length)'));
    expect(await fixed(new TypeService())).toBe(original);
  });
});
