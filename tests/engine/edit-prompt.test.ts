/**
 * What the models are shown: the scope each kind rewrites, the declarations
 * the scope refers to, and the trained instruction sentence.
 */
import { prepareEdit, promptPath } from '../../engine/edit-prompt.js';
import { fixCandidates } from '../../engine/structural-candidates.js';
import { SpliceChecker } from '../../engine/syntax-filter.js';
import type { EditArgs, EditKind } from '../../protocol/edit-task.js';
import { SOURCE, offsetOf, task } from './engine-helpers.js';

const CART_TOTAL = SOURCE.slice(offsetOf(SOURCE, 'export function cartTotal'), offsetOf(SOURCE, '}\n\nexport function describe') + 1);
const LOOP = SOURCE.slice(offsetOf(SOURCE, 'for (let i'), offsetOf(SOURCE, '  }\n  const taxed') + 3);

function prepared(kind: EditKind, start: number, end: number, args: EditArgs = {}) {
  const result = prepareEdit(task(kind, start, end, args), { workspaceRoot: '/workspace' });
  if (!result.ok) throw new Error(result.reason);
  return result.edit;
}

describe('edit scope', () => {
  const cases: { name: string; kind: EditKind; from: string; to?: string; args?: EditArgs; scope: string; unit: string }[] = [
    { name: 'extract: statements grow to the function, with export', kind: 'extract', from: 'const item = items[i];', to: 'item.quantity;', scope: CART_TOTAL, unit: 'function' },
    { name: 'optimizeLoop: the loop alone', kind: 'optimizeLoop', from: 'for (let i', scope: LOOP, unit: 'loop' },
    { name: 'optimizeLoop: a cursor deep inside the loop', kind: 'optimizeLoop', from: 'item.price *', scope: LOOP, unit: 'loop' },
    { name: 'fix: the function around the diagnostic', kind: 'fix', from: 'taxed * 100', args: { diagnostic: { message: 'x' } }, scope: CART_TOTAL, unit: 'function' },
    { name: 'fix: a top-level statement outside functions', kind: 'fix', from: '0.2', args: { diagnostic: { message: 'x' } }, scope: 'const TAX_RATE = 0.2;', unit: 'statement' },
    { name: 'rename: the function around the name', kind: 'rename', from: 't', to: 't', args: { newName: 'total' }, scope: CART_TOTAL, unit: 'function' },
    { name: 'instruction: whole statements stay as selected', kind: 'instruction', from: 'const taxed', to: '/ 100;', args: { instruction: 'go' }, scope: 'const taxed = t * (1 + TAX_RATE);\n  return Math.round(taxed * 100) / 100;', unit: 'selection' },
    { name: 'instruction: part of an expression grows to its statement', kind: 'instruction', from: 'Math.round', to: '100)', args: { instruction: 'go' }, scope: 'return Math.round(taxed * 100) / 100;', unit: 'statement' },
    { name: 'instruction: a whole exported declaration stays as selected', kind: 'instruction', from: 'export const unused', to: '42;', args: { instruction: 'go' }, scope: 'export const unused = 42;', unit: 'selection' },
  ];
  test.each(cases)('$name', ({ kind, from, to, args, scope, unit }) => {
    const start = kind === 'rename' ? offsetOf(SOURCE, 'let t') + 4 : offsetOf(SOURCE, from);
    const end = to === undefined ? start : kind === 'rename' ? start + 1 : offsetOf(SOURCE, to, 1) + to.length;
    const edit = prepared(kind, start, end, args);
    expect(edit.scope.text).toBe(scope);
    expect(edit.scope.unit).toBe(unit);
    expect(edit.parts.original).toBe(scope);
  });

  test('broken code still gets a scope: the lines around the range', () => {
    const broken = 'const a = (1 + ;\nlet b = ];\n';
    const result = prepareEdit(task('fix', offsetOf(broken, ']'), offsetOf(broken, ']') + 1, { diagnostic: { message: 'x' } }, broken));
    if (!result.ok) throw new Error(result.reason);
    expect(result.edit.scope.text).toContain(']');
  });
});

describe('prompt', () => {
  test('instructions are the trained sentences', () => {
    const at = offsetOf(SOURCE, 'let t') + 4;
    expect(prepared('rename', at, at + 1, { newName: 'total' }).parts.instruction).toBe('Rename `t` to `total`.');
    expect(prepared('rename', at, at + 1).parts.instruction).toBe('Rename `t` to a better name.');
    expect(prepared('extract', at, at, { newName: 'sumLines' }).parts.instruction).toBe('Extract the statements into a function named `sumLines`.');
    expect(prepared('fix', at, at, { diagnostic: { message: "';' expected." } }).parts.instruction).toBe("Fix this error: ';' expected.");
    expect(prepared('instruction', at, at, { instruction: 'Use reduce.' }).parts.instruction).toBe('Use reduce.');
  });

  test('kinds without what they need are refused with a reason', () => {
    expect(prepareEdit(task('instruction', 10, 20, {}))).toMatchObject({ ok: false, reason: expect.stringMatching(/needs the instruction/) });
    expect(prepareEdit(task('fix', 10, 20, {}))).toMatchObject({ ok: false, reason: expect.stringMatching(/no diagnostic/) });
    expect(prepareEdit(task('rename', offsetOf(SOURCE, '0.2'), offsetOf(SOURCE, '0.2') + 3, {}))).toMatchObject({ ok: false, reason: expect.stringMatching(/not a name/) });
  });

  test('a fix with no diagnostic argument takes the syntax error at the range', () => {
    const broken = SOURCE.replace('return lines.join', 'return lines.join(');
    const at = offsetOf(broken, 'lines.join(');
    const result = prepareEdit(task('fix', at, at, {}, broken));
    expect(result).toMatchObject({ ok: true, edit: { parts: { instruction: expect.stringMatching(/^Fix this error: Syntax error/) } } });
  });

  test('context: the declarations the scope refers to, as signatures, nearest blocks included', () => {
    const loop = prepared('optimizeLoop', offsetOf(SOURCE, 'for (let i'), offsetOf(SOURCE, 'for (let i'));
    expect(loop.parts.context).toBe('export function cartTotal(items: LineItem[]): number\nlet t = 0;');
    const fn = prepared('extract', offsetOf(SOURCE, 'let t'), offsetOf(SOURCE, 'let t'));
    expect(fn.parts.context).toBe('export interface LineItem {\n  sku: string;\n  price: number;\n  quantity: number;\n}\nconst TAX_RATE = 0.2;');
    const describe = prepared('instruction', offsetOf(SOURCE, 'const lines'), offsetOf(SOURCE, 'const lines'), { instruction: 'go' });
    expect(describe.parts.context).toBe("import { formatPrice } from './format';\nexport interface LineItem {\n  sku: string;\n  price: number;\n  quantity: number;\n}");
  });

  test('context stays inside its budget, nearest declarations first', () => {
    const result = prepareEdit(task('extract', offsetOf(SOURCE, 'let t'), offsetOf(SOURCE, 'let t')), { contextChars: 30 });
    expect(result).toMatchObject({ ok: true, edit: { parts: { context: 'const TAX_RATE = 0.2;' } } });
    const none = prepareEdit(task('extract', offsetOf(SOURCE, 'let t'), offsetOf(SOURCE, 'let t')), { contextChars: 0 });
    expect(none).toMatchObject({ ok: true, edit: { parts: { context: '' } } });
  });

  test('paths are workspace-relative, else the last two segments', () => {
    expect(promptPath('file:///workspace/src/cart.ts', '/workspace')).toBe('src/cart.ts');
    expect(promptPath('file:///elsewhere/deep/lib/cart.ts', '/workspace')).toBe('lib/cart.ts');
    expect(promptPath('untitled:Untitled-1', '/workspace')).toBe('untitled:Untitled-1');
  });
});

describe('structural fix candidates and the splice check', () => {
  const broken = SOURCE.replace('Math.round(taxed', 'Math.round(taxd');
  const scope = { start: offsetOf(broken, 'export function cartTotal'), end: offsetOf(broken, '}\n\nexport function describe') + 1 };

  test('"Did you mean" names the fix', () => {
    const at = offsetOf(broken, 'taxd');
    const [candidate] = fixCandidates(broken, scope, { start: at, end: at + 4 }, "Cannot find name 'taxd'. Did you mean 'taxed'?");
    expect(broken.slice(0, scope.start) + candidate.text + broken.slice(scope.end)).toBe(SOURCE);
  });

  test('"\'}\' expected." inserts the token where the diagnostic points', () => {
    const cut = SOURCE.replace('item.quantity;\n  }', 'item.quantity;\n  ');
    const at = offsetOf(cut, 'item.quantity;\n') + 'item.quantity;\n  '.length;
    const end = offsetOf(cut, 'return Math.round') + 'return Math.round(taxed * 100) / 100;\n}'.length;
    const candidates = fixCandidates(cut, { start: offsetOf(cut, 'export function cartTotal'), end }, { start: at, end: at }, "'}' expected.");
    expect(candidates.map((c) => c.name)).toEqual(['fix: insert }']);
    expect(candidates[0].text).toContain('item.quantity;\n  }');
  });

  test('a splice that adds syntax errors is refused with the error and its line; one that removes them passes', () => {
    const checker = new SpliceChecker('typescript', SOURCE, { start: offsetOf(SOURCE, 'const TAX_RATE'), end: offsetOf(SOURCE, '0.2;') + 4 });
    expect(checker.check('const TAX_RATE = 0.25;')).toEqual({ ok: true });
    expect(checker.check('const TAX_RATE = (0.2;')).toEqual({ ok: false, reason: expect.stringMatching(/^Syntax error: .* \(line 9\)$/) });
    const fixing = new SpliceChecker('typescript', 'let a = (1;\n', { start: 0, end: 11 });
    expect(fixing.check('let a = (1);')).toEqual({ ok: true });
  });
});
