/**
 * The oracle rewrites behind gen-edits.ts's optimizeLoop and instruction examples
 * (training/edit-rewrites.ts): what they convert, what they refuse, that the result parses, and
 * for loops that both versions of a small pure function compute the same.
 */
import ts from 'typescript';
import {
  addedDiagnostics,
  analyze,
  diagnosticsOf,
  INSTRUCTION_TEMPLATES,
  rewriteIndexedLoop,
  singular,
  toArrowFunction,
  useConst,
  useTemplateLiterals,
} from '../../training/edit-rewrites.js';

/** The file with its first node of `kind` rewritten by `rewrite` (null when refused), and that node's text. */
function rewriteFirst(fileName: string, text: string, isTarget: (n: ts.Node) => boolean, rewrite: (sf: ts.SourceFile, n: ts.Node, checker: ts.TypeChecker) => string | null) {
  const { sf, checker } = analyze(fileName, text);
  let target: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (!target && isTarget(n)) target = n;
    else ts.forEachChild(n, visit);
  };
  visit(sf);
  if (!target) throw new Error('no target in ' + text);
  const edited = rewrite(sf, target, checker);
  const start = target.getStart(sf);
  return { edited, file: edited === null ? null : text.slice(0, start) + edited + text.slice(target.getEnd()) };
}

const rewriteLoop = (text: string, fileName = '/t.ts') => rewriteFirst(fileName, text, ts.isForStatement, (sf, n, c) => rewriteIndexedLoop(sf, n as ts.ForStatement, c));
const rewriteFunction = (rewrite: (sf: ts.SourceFile, n: ts.Node, checker: ts.TypeChecker) => string | null, text: string, fileName = '/t.ts') =>
  rewriteFirst(fileName, text, (n) => ts.isFunctionDeclaration(n), rewrite);

/** Compiles `source` (which declares function `f`) to JS and returns `f`. */
function compiled(source: string): (...args: unknown[]) => unknown {
  const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 } }).outputText;
  return new Function(`${js}\nreturn f;`)() as (...args: unknown[]) => unknown;
}

function expectNoNewSyntaxErrors(fileName: string, before: string, after: string): void {
  expect(diagnosticsOf(fileName, after, false)).toEqual(diagnosticsOf(fileName, before, false));
}

describe('optimizeLoop: indexed loop -> for-of', () => {
  const converted: Array<[string, string, string, unknown[][]]> = [
    [
      'singular of a plural name',
      'function f(items) { let total = 0; for (let i = 0; i < items.length; i++) { total += items[i].price; } return total; }',
      'for (const item of items) { total += item.price; }',
      [[[{ price: 2 }, { price: 5 }]], [[]]],
    ],
    [
      'a leading const names the element and is dropped',
      'function f(rows) {\n  const out = [];\n  for (let i = 0; i < rows.length; i++) {\n    const row = rows[i];\n    out.push(row * 2 + rows[i]);\n  }\n  return out;\n}',
      'for (const row of rows) {\n    out.push(row * 2 + row);\n  }',
      [[[1, 2, 3]]],
    ],
    [
      'a leading let stays let',
      'function f(xs) { const out = []; for (let i = 0; i < xs.length; i++) { let x = xs[i]; x = x + 1; out.push(x); } return out; }',
      'for (let x of xs) { x = x + 1; out.push(x); }',
      [[[1, 2]]],
    ],
    [
      'hoisted length, single statement body',
      'function f(entries) { let n = 0; for (let i = 0, len = entries.length; i < len; ++i) n += entries[i]; return n; }',
      'for (const entry of entries) n += entry;',
      [[[4, 5, 6]]],
    ],
    [
      'a name already in scope is avoided',
      'function f(items, item) { let s = item; for (let i = 0; i < items.length; i += 1) { s += items[i]; } return s; }',
      'for (const element of items) { s += element; }',
      [[[1, 2], 10]],
    ],
    [
      'a this.x path, .length read in the body, break and continue',
      'function f(o) { return o.run(); }\nclass C { constructor(private handlers: number[]) {} run() { let c = 0; for (let i = 0; i < this.handlers.length; i = i + 1) { if (this.handlers[i] < 0) continue; if (c > this.handlers.length) break; c += this.handlers[i]; } return c; } }',
      'for (const handler of this.handlers) { if (handler < 0) continue; if (c > this.handlers.length) break; c += handler; }',
      [],
    ],
    [
      'a nested index stays',
      'function f(grid) { let s = 0; for (let i = 0; i < grid.length; i++) { for (let j = 0; j < grid[i].length; j++) s += grid[i][j] * j; } return s; }',
      'for (const element of grid) { for (let j = 0; j < element.length; j++) s += element[j] * j; }',
      [[[[1, 2], [3, 4, 5]]]],
    ],
  ];
  test.each(converted)('%s', (_name, source, loop, inputs) => {
    const { edited, file } = rewriteLoop(source);
    expect(edited).toBe(loop);
    expectNoNewSyntaxErrors('/t.ts', source, file!);
    const [before, after] = [compiled(source), compiled(file!)];
    for (const args of inputs) expect(after(...args)).toEqual(before(...args));
  });

  test('the this.x case behaves the same', () => {
    const source = converted[5][1];
    const { file } = rewriteLoop(source);
    const run = (src: string) => new Function(`${ts.transpileModule(src, { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText}\nreturn new C([3, -1, 4]).run();`)();
    expect(run(file!)).toBe(run(source));
  });

  const refused: Array<[string, string]> = [
    ['the index used alone', 'function f(a) { for (let i = 0; i < a.length; i++) { g(i, a[i]); } }'],
    ['an element written', 'function f(a) { for (let i = 0; i < a.length; i++) { a[i] = 0; } }'],
    ['an element updated', 'function f(a) { for (let i = 0; i < a.length; i++) { a[i]++; } }'],
    ['an element read in a closure', 'function f(a) { const fs = []; for (let i = 0; i < a.length; i++) { fs.push(() => a[i]); } }'],
    ['the array reassigned', 'function f(a, b) { for (let i = 0; i < a.length; i++) { g(a[i]); a = b; } }'],
    ['the array mutated', 'function f(a) { for (let i = 0; i < a.length; i++) { g(a[i]); a.splice(i, 1); } }'],
    ['the array passed on', 'function f(a) { for (let i = 0; i < a.length; i++) { g(a[i], a); } }'],
    ['a path prefix reassigned', 'function f(o, p) { for (let i = 0; i < o.xs.length; i++) { g(o.xs[i]); o = p; } }'],
    ['the index assigned', 'function f(a) { for (let i = 0; i < a.length; i++) { g(a[i]); i++; } }'],
    ['<= bound', 'function f(a) { for (let i = 0; i <= a.length; i++) g(a[i]); }'],
    ['start at 1', 'function f(a) { for (let i = 1; i < a.length; i++) g(a[i]); }'],
    ['step 2', 'function f(a) { for (let i = 0; i < a.length; i += 2) g(a[i]); }'],
    ['var index', 'function f(a) { for (var i = 0; i < a.length; i++) g(a[i]); }'],
    ['a call in the array expression', 'function f(a) { for (let i = 0; i < a().length; i++) g(a()[i]); }'],
    ['a string by type', 'function f(s: string) { for (let i = 0; i < s.length; i++) g(s[i]); }'],
    ['a string by name', 'function f(str) { for (let i = 0; i < str.length; i++) g(str[i]); }'],
    ['hoisted length used in the body', 'function f(a) { for (let i = 0, n = a.length; i < n; i++) g(a[i], n); }'],
  ];
  test.each(refused)('refuses %s', (_name, source) => {
    expect(rewriteLoop(source).edited).toBeNull();
  });

  test.each([
    ['items', 'item'],
    ['entries', 'entry'],
    ['childNodes', 'childNode'],
    ['children', 'child'],
    ['matches', 'match'],
    ['nodeList', 'node'],
    ['_handlers', 'handler'],
    ['status', null],
    ['data', null],
  ])('singular(%s) = %s', (plural, one) => {
    expect(singular(plural)).toBe(one);
  });
});

describe('instruction: let -> const', () => {
  test.each([
    ['function f(a) { let x = a * 2; let y = 1; y += x; return y; }', 'function f(a) { const x = a * 2; let y = 1; y += x; return y; }'],
    ['function f(o) { let { a, b: [c] } = o; return a + c; }', 'function f(o) { const { a, b: [c] } = o; return a + c; }'],
    ['function f(ks) { for (let k of ks) g(k); for (let i = 0; i < 1; ) g(i); }', 'function f(ks) { for (const k of ks) g(k); for (let i = 0; i < 1; ) g(i); }'],
    ['function f() { let a = 1, b = 2; b++; let c = 3; return a + b + c; }', 'function f() { let a = 1, b = 2; b++; const c = 3; return a + b + c; }'],
  ])('%s', (source, expected) => {
    const { edited, file } = rewriteFunction(useConst, source);
    expect(edited).toBe(expected);
    expect(addedDiagnostics(diagnosticsOf('/t.ts', source, true), diagnosticsOf('/t.ts', file!, true))).toEqual([]);
  });

  test.each([
    ['no initializer', 'function f() { let x; x = 1; return x; }'],
    ['written by destructuring', 'function f(o) { let a = 1; [a] = o; return a; }'],
    ['written through a shorthand', 'function f(o) { let a = 1; ({ a } = o); return a; }'],
    ['written in a closure', 'function f() { let a = 1; const g = () => { a = 2; }; g(); return a; }'],
    ['eval in sight', 'function f() { let a = 1; eval("a = 2"); return a; }'],
  ])('refuses %s', (_name, source) => {
    expect(rewriteFunction(useConst, source).edited).toBeNull();
  });

  test('a narrowing const would change is caught by the semantic check gen-edits runs', () => {
    const source = "function f() { let mode = 'a'; g(() => (mode = 'b')); if (mode === 'b') return 1; return 0; }\nfunction g(h: () => void) {}";
    expect(rewriteFunction(useConst, source).edited).toBeNull(); // written in a closure
    const literal = "function f() { let mode = 'a'; if (mode === 'b') return 1; return 0; }";
    const { file } = rewriteFunction(useConst, literal);
    expect(addedDiagnostics(diagnosticsOf('/t.ts', literal, true), diagnosticsOf('/t.ts', file!, true)).length).toBeGreaterThan(0);
  });
});

describe('instruction: template literals', () => {
  test.each([
    ["function f(n) { return 'Hello, ' + n + '!'; }", 'function f(n) { return `Hello, ${n}!`; }', [['Ann'], [3]]],
    ["function f(a) { return a + ' items'; }", 'function f(a) { return `${a} items`; }', [[2], [null]]],
    ["function f(x, y) { return 'a`b' + x + '${y}' + (y + 1); }", 'function f(x, y) { return `a\\`b${x}\\${y}${y + 1}`; }', [[1, 2]]],
    ["function f(c) { return 'a' + g('b' + c) + 'd'; function g(s) { return s + s; } }", 'function f(c) { return `a${g(`b${c}`)}d`; function g(s) { return s + s; } }', [['x']]],
    ['function f(n) { return "line\\n" + n + "\\u0041\\x42\\0"; }', 'function f(n) { return `line\\n${n}\\u0041\\x42\\0`; }', [[1]]],
  ])('%s', (source, expected, inputs) => {
    const { edited, file } = rewriteFunction((sf, fn) => useTemplateLiterals(sf, fn), source);
    expect(edited).toBe(expected);
    expectNoNewSyntaxErrors('/t.ts', source, file!);
    const [before, after] = [compiled(source), compiled(file!)];
    for (const args of inputs as unknown[][]) expect(after(...args)).toBe(before(...args));
  });

  test.each([
    ['numbers added first', "function f(a, b) { return a + b + 'x'; }"],
    ['only literals', "function f() { return 'a' + 'b'; }"],
    ['no string at all', 'function f(a, b) { return a + b; }'],
    ['a comment inside', "function f(a) { return 'a' + /* why */ a; }"],
  ])('refuses %s', (_name, source) => {
    expect(rewriteFunction((sf, fn) => useTemplateLiterals(sf, fn), source).edited).toBeNull();
  });

  test('refuses a legacy octal escape (invalid in a template)', () => {
    expect(rewriteFunction((sf, fn) => useTemplateLiterals(sf, fn), "function f(a) { return '\\1' + a; }", '/t.js').edited).toBeNull();
  });
});

describe('instruction: function -> arrow function', () => {
  test.each([
    ['function f(a: number, b = 2): number {\n  return a + b;\n}', 'const f = (a: number, b = 2): number => {\n  return a + b;\n};'],
    ['import x from "x";\nexport async function f<T>(v: T) { return [v, x]; }', 'export const f = async <T>(v: T) => { return [v, x]; };'],
    ['function f(o) { return [1, 2].map((x) => x + o.k); }\nexport { f };', 'const f = (o) => { return [1, 2].map((x) => x + o.k); };'],
    ['function f(n) { return n <= 1 ? 1 : n * f(n - 1); }', 'const f = (n) => { return n <= 1 ? 1 : n * f(n - 1); };'],
    ['function f() { return function () { return this; }; }', 'const f = () => { return function () { return this; }; };'],
  ])('%s', (source, expected) => {
    const { edited, file } = rewriteFunction((sf, fn) => toArrowFunction(sf, fn), source);
    expect(edited).toBe(expected);
    expect(addedDiagnostics(diagnosticsOf('/t.ts', source, true), diagnosticsOf('/t.ts', file!, true))).toEqual([]);
  });

  test('behaves the same', () => {
    const source = 'function f(n) { return n <= 1 ? 1 : n * f(n - 1); }';
    expect(compiled(rewriteFunction((sf, fn) => toArrowFunction(sf, fn), source).file!)(5)).toBe(120);
  });

  test.each([
    ['this', 'function f() { return this.x; }'],
    ['this in a nested arrow', 'function f() { return () => this.x; }'],
    ['arguments', 'function f() { return arguments.length; }'],
    ['a generator', 'function* f() { yield 1; }'],
    ['export default', 'export default function f() { return 1; }'],
    ['overloads', 'function f(a: string): string;\nfunction f(a: number): number;\nfunction f(a: any) { return a; }'],
    ['used before its declaration', 'const y = f();\nfunction f() { return 1; }'],
    ['code that runs before it', 'init();\nfunction f() { return 1; }\nfunction init() {}'],
    ['constructed', 'function f() { return 1; }\nconst o = new f();'],
    ['its prototype used', 'function f() { return 1; }\nf.prototype.x = 1;'],
    ['reassigned', 'function f() { return 1; }\nfunction g() { f = null; }'],
    ['not at top level', 'namespace N { function f() { return 1; } }'],
    ['merged with a namespace', 'function f() { return 1; }\nnamespace f { export const x = 1; }'],
  ])('refuses %s', (_name, source) => {
    expect(rewriteFunction((sf, fn) => toArrowFunction(sf, fn), source).edited).toBeNull();
  });
});

test('each instruction template has 2-3 phrasings, each one sentence', () => {
  expect(INSTRUCTION_TEMPLATES.map((t) => t.name)).toEqual(['const', 'template', 'arrow']);
  for (const t of INSTRUCTION_TEMPLATES) {
    expect(t.phrasings.length).toBeGreaterThanOrEqual(2);
    for (const p of t.phrasings) expect(p).toMatch(/^[A-Z][^.]*\.$/);
  }
});
