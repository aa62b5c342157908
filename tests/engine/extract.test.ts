/**
 * Extract function through the engine (engine/extract-edit.ts): structural
 * extraction named by the models. Drafters propose names, the scripted
 * verifier ranks the structural extractions, and the result names the
 * considered names; with no usable name or no models at all a free default
 * name is used and the title says so.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { EditPipeline } from '../../engine/edit-pipeline.js';
import { nameInExtraction } from '../../engine/extract-edit.js';
import { SpeculativeEngine } from '../../engine/speculative-engine.js';
import type { CandidateDrafter } from '../../engine/candidates.js';
import type { EditContext } from '../../protocol/edit-task.js';
import { buildCompletion } from '../../protocol/prompt-format.js';
import { applyReplacements } from '../../protocol/text.js';
import { extractFunction } from '../../drafters/structural/extract.js';
import { languageFor } from '../../syntax/language.js';
import { GreedyVerifier } from '../../verifier/greedy-verifier.js';
import { TypeService } from '../../workspace/type-service.js';
import { SOURCE, applied, offsetOf, okResult, stubDrafter, task, taskAt } from './engine-helpers.js';
import { ScriptedTargetModel } from './scripted-model.js';

const SELECTION = 'const item = items[i];\n    t += item.price * item.quantity;';
const CART_TOTAL = SOURCE.slice(offsetOf(SOURCE, 'export function cartTotal'), offsetOf(SOURCE, '}\n\nexport function describe') + 1);
const extractTask = (args = {}) => taskAt('extract', SELECTION, args);

/** The file after the structural extraction under `name`. */
function extractedAs(name: string): string {
  const start = offsetOf(SOURCE, SELECTION);
  const result = extractFunction(languageFor('typescript')!.parser.parse(SOURCE), SOURCE, { start, end: start + SELECTION.length }, name);
  if (!result.ok) throw new Error(result.reason);
  return applyReplacements(SOURCE, result.replacements);
}

/** What the verifier sees for a name: the function scope with the call, and the new function after it. */
function scopeAfter(name: string): string {
  const text = extractedAs(name);
  const start = offsetOf(text, 'export function cartTotal');
  return text.slice(start, text.indexOf('\n}\n', text.indexOf(`function ${name}(`)) + 2);
}

/** A drafter that writes the extract edit as the models were trained to: the function nested at the end of the scope. */
function proposing(drafter: string, name: string, extra = ''): CandidateDrafter {
  const written = CART_TOTAL.replace(SELECTION, `t = ${name}(items, i, t);`).replace(
    /\n}$/,
    `\n\n  function ${name}(items: LineItem[], i: number, t: number) {\n    const item = items[i];\n    t += item.price * item.quantity;\n    return t;\n  }\n}${extra}`,
  );
  return stubDrafter(drafter, ['extract'], () => `${written}\n`);
}

const verifiers: GreedyVerifier[] = [];
afterEach(async () => {
  await Promise.all(verifiers.splice(0).map((v) => v.dispose()));
});

/** An engine whose verifier greedily writes the structural extraction named `preferred`. */
function engineFor(drafters: CandidateDrafter[], preferred: string) {
  const model = new ScriptedTargetModel({ script: () => buildCompletion(scopeAfter(preferred)) });
  const verifier = new GreedyVerifier(model, { sequences: 1, maxDraftTokens: 16 });
  verifiers.push(verifier);
  return { engine: new SpeculativeEngine({ verifier, drafters, maxOutputTokens: 2000, workspaceRoot: '/workspace' }) };
}

function context(): EditContext {
  return { signal: new AbortController().signal };
}

const EXPECTED_DEFAULT = SOURCE.replace(SELECTION, 't = extracted(items, i, t);').replace(
  "  return Math.round(taxed * 100) / 100;\n}\n",
  "  return Math.round(taxed * 100) / 100;\n}\n\nfunction extracted(items: LineItem[], i: number, t: number) {\n  const item = items[i];\n  t += item.price * item.quantity;\n  return t;\n}\n",
);

describe('extract: the models name a structural extraction', () => {
  test('drafters propose names, the verifier ranks the extractions, the best is applied and the names are reported', async () => {
    const drafters = [
      proposing('a', 'addLine'),
      proposing('b', 'lineTotal'),
      proposing('c', 'broken', ' {'), // adds a syntax error: dropped before its name is read
      proposing('d', 'describe'), // a top-level function already has that name: refused
      proposing('e', 'lineTotal'), // the same name twice is ranked once
    ];
    const { engine } = engineFor(drafters, 'lineTotal');
    const result = okResult(await new EditPipeline({ models: engine }).computeEdit(extractTask(), context()));
    expect(result.considered).toEqual(['lineTotal', 'addLine']);
    expect(result.mode).toBe('rank');
    expect(result.title).toBe('Extract function `lineTotal` (3 parameters, returns `t`)');
    expect(applied(result)).toBe(extractedAs('lineTotal'));
    expect(result.stats.verifierCalls).toBe(3); // the prompt, then one batch per candidate
  });

  test('the verifier decides between names, not the drafters order', async () => {
    const { engine } = engineFor([proposing('a', 'lineTotal'), proposing('b', 'addLine')], 'addLine');
    const result = okResult(await engine.computeEdit(extractTask(), context()));
    expect(result.considered).toEqual(['addLine', 'lineTotal']);
    expect(applied(result)).toBe(extractedAs('addLine'));
  });

  test('no usable model name: the default name, and the title says so', async () => {
    const { engine } = engineFor([proposing('d', 'describe')], 'addLine');
    const result = okResult(await engine.computeEdit(extractTask(), context()));
    expect(result).toMatchObject({
      mode: 'structural',
      considered: ['extracted'],
      title: 'Extract function `extracted` (3 parameters, returns `t`; default name: no model proposed a usable one)',
    });
    expect(applied(result)).toBe(EXPECTED_DEFAULT);
  });

  test('a given name needs no model and is checked', async () => {
    const { engine } = engineFor([proposing('a', 'addLine')], 'addLine');
    const pipeline = new EditPipeline({ models: engine });
    const result = okResult(await pipeline.computeEdit(extractTask({ newName: 'sumLine' }), context()));
    expect(result).toMatchObject({ mode: 'structural', title: 'Extract function `sumLine` (3 parameters, returns `t`)' });
    expect(applied(result)).toBe(extractedAs('sumLine'));
    expect(await pipeline.computeEdit(extractTask({ newName: 'items' }), context())).toEqual({
      status: 'unavailable',
      reason: expect.stringMatching(/^cannot name the function `items`: `items` is a variable the extracted code uses/),
    });
  });
});

describe('extract without models', () => {
  const pipeline = new EditPipeline({ models: { unavailable: 'no model files' } });

  test('works with the default name, and the title says why', async () => {
    const result = okResult(await pipeline.computeEdit(extractTask(), context()));
    expect(result).toMatchObject({
      mode: 'structural',
      considered: ['extracted'],
      title: 'Extract function `extracted` (3 parameters, returns `t`; default name: the models are not available)',
    });
    expect(applied(result)).toBe(EXPECTED_DEFAULT);
  });

  test('the default name skips names already taken', async () => {
    const text = SOURCE.replace('export const unused = 42;', 'export const extracted = 42;');
    const result = okResult(await pipeline.computeEdit(taskAt('extract', SELECTION, {}, text), context()));
    expect(result.title).toMatch(/^Extract function `extracted2` /);
  });

  test('a selection that cannot be extracted is refused with the reason', async () => {
    const source = SOURCE.replace('let t = 0;', 'let t = arguments.length;');
    expect(await pipeline.computeEdit(taskAt('extract', 'let t = arguments.length;', {}, source), context())).toEqual({
      status: 'unavailable',
      reason: 'the selection uses `arguments` of the enclosing function (line 12); pass what it needs explicitly first',
    });
  });
});

describe('extract without a checker: issue 13 cases', () => {
  const pipeline = new EditPipeline({ models: { unavailable: 'no model files' } });
  const CLASS = [
    'export class Vault {',
    '  #key = 1;',
    '  private secret = 2;',
    '  constructor(protected owner: string) {}',
    '  same(other: Vault): boolean {',
    '    const a = other.#key;',
    '    const b = other.secret;',
    '    const c = other.owner;',
    '    return a + b > 0 && c.length > 0;',
    '  }',
    '}',
    '',
  ].join('\n');

  const REFUSED: Array<[string, string, RegExp]> = [
    ['a `#private` member', 'const a = other.#key;', /private member `#key` \(line 6\)/],
    ['a `private` member', 'const b = other.secret;', /private member `secret` of the enclosing class \(line 7\)/],
    ['a `protected` parameter property', 'const c = other.owner;', /protected member `owner`/],
  ];
  test.each(REFUSED)('a range using %s of the enclosing class is refused', async (_what, selection, reason) => {
    const outcome = await pipeline.computeEdit(taskAt('extract', selection, {}, CLASS), context());
    expect(outcome).toEqual({ status: 'unavailable', reason: expect.stringMatching(reason) });
  });

  test('a function-typed optional parameter is printed with parentheses', async () => {
    const text = 'export function attempt<E>(errorFn?: (err: unknown) => E) {\n  const handler = errorFn;\n  console.log(handler);\n}\n';
    const result = okResult(await pipeline.computeEdit(taskAt('extract', 'const handler = errorFn;\n  console.log(handler);', {}, text), context()));
    expect(applied(result, text)).toContain('function extracted<E>(errorFn: ((err: unknown) => E) | undefined) {');
  });
});

describe('nameInExtraction: the name a drafter gave the function', () => {
  const original = 'function f(a) {\n  log(a);\n  const b = a;\n  return b;\n}';
  const scope = { range: { start: 100, end: 100 + original.length }, text: original, unit: 'function' as const };
  const selection = { start: 100 + original.indexOf('log(a)'), end: 100 + original.indexOf('\n  return') };
  const cases: [string, string, string | undefined][] = [
    ['called where the selection was', 'function f(a) {\n  const b = show(a);\n  return b;\n}', 'show'],
    ['through a destructuring and an await', 'function f(a) {\n  const { b, c } = await show(a);\n  return b;\n}', 'show'],
    ['declared after a mixed declaration', 'function f(a) {\n  let b;\n  ({ b } = show(a));\n  return b;\n}', 'show'],
    ['only declared (the call site changed before it)', 'function f(x) {\n  const b = show(x);\n  return b;\n  function show(a) { log(a); return a; }\n}', 'show'],
    ['no new name: the selection left as it was', original, undefined],
    ['not a name: a keyword', 'function f(a) {\n  if (a) log(a);\n  return b;\n}', undefined],
  ];
  test.each(cases)('%s', (...[, candidate, expected]) => {
    expect(nameInExtraction(scope, selection, candidate)).toBe(expected);
  });
});

describe('extract with the type checker: parameter types as the caller passes them', () => {
  const pipeline = new EditPipeline({ models: { unavailable: 'no model files' } });
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'specedit-extract-types-'));
    writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', noEmit: true, types: [] } }));
    writeFileSync(join(root, 'model.ts'), 'export type Shape = { kind: "circle"; r: number } | { kind: "square"; side: number };\n');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** Extracts `selection` of `text` (saved as `file` in the project) with a fresh type service; the new function, and the strict diagnostics of the result. */
  async function extractTyped(file: string, text: string, selection: string) {
    const path = join(root, file);
    writeFileSync(path, text);
    const start = offsetOf(text, selection);
    const types = new TypeService();
    const result = okResult(await pipeline.computeEdit(task('extract', start, start + selection.length, {}, text, pathToFileURL(path).href), { ...context(), types }));
    const after = applied(result, text);
    writeFileSync(path, after);
    const program = ts.createProgram([path], { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, noEmit: true, types: [] });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
    return { declaration: after.slice(after.indexOf('function extracted')).split('\n')[0], call: after.split('\n').find((l) => l.includes('extracted'))!.trim(), diagnostics };
  }

  test('a narrowed union, a callback parameter and an optional value after `??`', async () => {
    const text = [
      "import type { Shape } from './model';",
      'export function report(shapes: Shape[], scale?: number) {',
      '  const factor = scale ?? 1;',
      '  shapes.forEach((shape) => {',
      "    if (shape.kind === 'circle') {",
      '      const area = Math.PI * shape.r ** 2 * factor;',
      '      console.log(area);',
      '    }',
      '  });',
      '}',
      '',
    ].join('\n');
    const extracted = await extractTyped('shapes.ts', text, 'const area = Math.PI * shape.r ** 2 * factor;\n      console.log(area);');
    expect(extracted.declaration).toBe('function extracted(shape: { kind: "circle"; r: number; }, factor: number) {');
    expect(extracted.diagnostics).toEqual([]);
  });

  test('type parameters of the enclosing function become the function’s, and the call passes them', async () => {
    const text = [
      'export function groupBy<T, K extends string>(items: T[], key: (item: T) => K): Record<K, T[]> {',
      '  const groups = {} as Record<K, T[]>;',
      '  for (const item of items) {',
      '    const k = key(item);',
      '    (groups[k] ??= []).push(item);',
      '  }',
      '  return groups;',
      '}',
      '',
    ].join('\n');
    const extracted = await extractTyped('group.ts', text, 'const k = key(item);\n    (groups[k] ??= []).push(item);');
    expect(extracted.declaration).toBe('function extracted<T, K extends string>(key: (item: T) => K, item: T, groups: Record<K, T[]>) {');
    expect(extracted.call).toBe('extracted<T, K>(key, item, groups);');
    expect(extracted.diagnostics).toEqual([]);
  });

  test('a variable the selection assigns gets its declared type', async () => {
    const text = ['export function last(xs: number[]) {', '  let found: number | undefined;', '  for (const x of xs) {', '    if (x > 0) found = x;', '  }', '  return found;', '}', ''].join('\n');
    const extracted = await extractTyped('last.ts', text, 'if (x > 0) found = x;');
    expect(extracted.declaration).toBe('function extracted(x: number, found: number | undefined) {');
    expect(extracted.diagnostics).toEqual([]);
  });

  // Issue 13: what extraction printed on real code. [what, file text lines, selection, the new function's first line]
  const PRINTED: Array<[string, string[], string, string]> = [
    ['a function-typed optional parameter keeps its parentheses', [
      'export function attempt<E>(run: () => void, errorFn?: (err: unknown) => E) {',
      '  const handler = errorFn;',
      '  console.log(handler);',
      '}',
    ], 'const handler = errorFn;\n  console.log(handler);', 'function extracted<E>(errorFn: ((err: unknown) => E) | undefined) {'],
    ['a local with an inferred type gets the checker’s type', [
      'export function wait(ms: number) {',
      '  const newPromise = new Promise<number>((resolve) => setTimeout(() => resolve(ms), ms));',
      '  void newPromise.then((n) => n + 1);',
      '}',
    ], 'void newPromise.then((n) => n + 1);', 'function extracted(newPromise: Promise<number>) {'],
    ['a declared type over several lines is kept', [
      'export function show() {',
      '  const point: {',
      '    x: number;',
      '    y: number;',
      '  } = { x: 1, y: 2 };',
      '  console.log(point.x + point.y);',
      '}',
    ], 'console.log(point.x + point.y);', 'function extracted(point: { x: number; y: number; }) {'],
    ['an array initialised as `[]` gets its element type', [
      'export function collect(n: number) {',
      '  const out: string[] = [];',
      '  const seen = [] as number[];',
      '  out.push(String(n));',
      '  seen.push(n);',
      '}',
    ], "out.push(String(n));\n  seen.push(n);", 'function extracted(out: string[], n: number, seen: number[]) {'],
    ['a whole body keeps the return type and the `const` type parameter, through the checker too', [
      'export function firstOf<const T extends readonly string[]>(items: T): T[number] | undefined {',
      '  const head = items[0];',
      '  return head;',
      '}',
    ], 'const head = items[0];\n  return head;', 'function extracted<const T extends readonly string[]>(items: T): T[number] | undefined {'],
    ['a type parameter only the declared type named is dropped when the checker’s type does not name it', [
      'interface Sig { aborted: boolean }',
      'interface Opts { signal?: Sig }',
      'export function run<E extends Opts>(options: Partial<E>) {',
      '  const signal: Partial<E>["signal"] = options.signal;',
      '  if (signal) {',
      '    console.log(signal.aborted);',
      '  }',
      '}',
    ], 'console.log(signal.aborted);', 'function extracted(signal: Sig) {'],
    ['a long inferred object type (over 400 characters) is printed too', [
      'export function wide() {',
      `  const row = { ${Array.from({ length: 16 }, (_, i) => `customerFieldNumber${i}: String(${i})`).join(', ')} };`,
      '  console.log(row);',
      '}',
    ], 'console.log(row);', `function extracted(row: { ${Array.from({ length: 16 }, (_, i) => `customerFieldNumber${i}: string;`).join(' ')} }) {`],
  ];

  test.each(PRINTED)('%s', async (_what, lines, selection, declaration) => {
    const extracted = await extractTyped(`printed-${PRINTED.findIndex((c) => c[0] === _what)}.ts`, [...lines, ''].join('\n'), selection);
    expect(extracted.declaration).toBe(declaration);
    expect(extracted.diagnostics).toEqual([]);
  });

  test('a program still being read past its build budget is read on within the edit, and the extraction gets checker types', async () => {
    const text = 'export function wait(ms: number) {\n  const pending = new Promise<number>((resolve) => setTimeout(() => resolve(ms), ms));\n  void pending.then((n) => n + 1);\n}\n';
    const path = join(root, 'slow-build.ts');
    writeFileSync(path, text);
    const logs: string[] = [];
    // One file per question (at least one is read each time), so the first questions stop while the program is read.
    const types = new TypeService({ buildBudgetMs: 0, editBudgetMs: 120_000, logger: { debug: (m) => logs.push(m) } });
    const selection = 'void pending.then((n) => n + 1);';
    const start = offsetOf(text, selection);
    const result = okResult(await pipeline.computeEdit(task('extract', start, start + selection.length, {}, text, pathToFileURL(path).href), { ...context(), types }));
    expect(logs.some((m) => /ran past 0 ms/.test(m))).toBe(true);
    expect(applied(result, text)).toContain('function extracted(pending: Promise<number>) {');
  });

  test('an edit whose budget ran out while the program was read gets no types; a later edit reads on and gets them', async () => {
    const text = 'export function twice(ms: number) {\n  const pending = Promise.resolve(ms);\n  void pending.then((n) => n * 2);\n}\n';
    const path = join(root, 'later-edit.ts');
    writeFileSync(path, text);
    const types = new TypeService({ buildBudgetMs: 0, editBudgetMs: 1 });
    const selection = 'void pending.then((n) => n * 2);';
    const start = offsetOf(text, selection);
    const extract = async () => applied(okResult(await pipeline.computeEdit(task('extract', start, start + selection.length, {}, text, pathToFileURL(path).href), { ...context(), types })), text);
    expect(await extract()).toContain('function extracted(pending) {');
    let after = '';
    for (let edit = 0; edit < 500 && !after.includes('pending: Promise<number>'); edit++) after = await extract();
    expect(after).toContain('function extracted(pending: Promise<number>) {');
  });

  test('without an answer from the checker the syntactic types stay, and the edit does not fail', async () => {
    const refusing = { typesAt: () => undefined };
    const failing = {
      typesAt: () => {
        throw new Error('checker crashed');
      },
    };
    for (const types of [refusing, failing]) {
      const result = okResult(await pipeline.computeEdit(extractTask(), { ...context(), types }));
      expect(applied(result)).toBe(EXPECTED_DEFAULT);
    }
  });

  test('JavaScript is not annotated', async () => {
    const asked: unknown[] = [];
    const types = { typesAt: (...args: unknown[]) => (asked.push(args), new Map()) };
    const text = 'export function f(xs) {\n  let t = 0;\n  for (const x of xs) {\n    t += x;\n  }\n  return t;\n}\n';
    const start = offsetOf(text, 't += x;');
    const js = { ...task('extract', start, start + 't += x;'.length, {}, text), document: { uri: 'file:///w/a.js', languageId: 'javascript', version: 1, text } };
    okResult(await pipeline.computeEdit(js, { ...context(), types }));
    expect(asked).toEqual([]);
  });
});
