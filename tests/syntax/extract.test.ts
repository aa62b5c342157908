/**
 * Structural "Extract function" (drafters/structural/extract.ts) as a table:
 * `«` and `»` mark the selection; each extraction must give the expected
 * file, and the file must type-check with TypeScript (an in-memory program,
 * non-strict) with no diagnostic the original did not have. Refusals give
 * their reason.
 */
import ts from 'typescript';
import { applyReplacements } from '../../protocol/text.js';
import { defaultFunctionName, extractFunction, planExtraction } from '../../drafters/structural/extract.js';
import { languageFor } from '../../syntax/language.js';

function parse(text: string, languageId: string) {
  return languageFor(languageId)!.parser.parse(text);
}

function marked(input: string) {
  const start = input.indexOf('«');
  const end = input.indexOf('»') - 1;
  return { text: input.replace('«', '').replace('»', ''), range: { start, end } };
}

const EXTENSIONS: Record<string, string> = { typescript: 'ts', typescriptreact: 'tsx', javascript: 'js' };

interface Expected {
  parameters?: string[];
  returns?: string[];
  async?: boolean;
}

/** The extraction of the marked selection to `name` gives `expected`, which type-checks no worse than the original. */
function check(input: string, expected: string, { name = 'extracted', languageId = 'typescript', strictToo = false, ...shape }: Expected & { name?: string; languageId?: string; strictToo?: boolean } = {}): void {
  const { text, range } = marked(input);
  const result = extractFunction(parse(text, languageId), text, range, name, languageId);
  if (!result.ok) throw new Error(`extraction refused: ${result.reason}`);
  const edited = applyReplacements(text, result.replacements);
  expect(edited).toBe(expected);
  if (shape.parameters) expect(result.parameters.map((p) => (p.type ? `${p.name}: ${p.type}` : p.name))).toEqual(shape.parameters);
  if (shape.returns) expect(result.returns).toEqual(shape.returns);
  if (shape.async !== undefined) expect(result.async).toBe(shape.async);
  // Minimal: the selection becomes the call, and the function is one insertion.
  for (const r of result.replacements) expect(r.end - r.start).toBeLessThanOrEqual(range.end - range.start);
  expect(newDiagnostics(text, edited, EXTENSIONS[languageId])).toEqual([]);
  // Where the parameter types are all known, the result also compiles under `strict`.
  if (strictToo) expect(newDiagnostics(text, edited, EXTENSIONS[languageId], STRICT)).toEqual([]);
}

function checkRefused(input: string, reason: RegExp, { name = 'extracted', languageId = 'typescript' } = {}): void {
  const { text, range } = marked(input);
  expect(extractFunction(parse(text, languageId), text, range, name, languageId)).toEqual({ ok: false, reason: expect.stringMatching(reason) });
}

// --- TypeScript as the oracle: one in-memory file over the real lib, non-strict (as the brief's eval compiles).

const OPTIONS: ts.CompilerOptions = {
  strict: false,
  noImplicitAny: false,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts'],
  types: [],
  jsx: ts.JsxEmit.Preserve,
  allowJs: true,
  checkJs: true,
  noEmit: true,
};
const STRICT: ts.CompilerOptions = { ...OPTIONS, strict: true, noImplicitAny: true };
const libFiles = new Map<string, ts.SourceFile | undefined>();

function diagnosticsOf(text: string, extension: string, options = OPTIONS): string[] {
  const fileName = `/virtual/example.${extension}`;
  const host = ts.createCompilerHost(options);
  const readLib = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language) => {
    if (name === fileName) return ts.createSourceFile(name, text, language, true);
    if (!libFiles.has(name)) libFiles.set(name, readLib(name, language));
    return libFiles.get(name);
  };
  host.fileExists = (name) => name === fileName || ts.sys.fileExists(name);
  host.readFile = (name) => (name === fileName ? text : ts.sys.readFile(name));
  const program = ts.createProgram([fileName], options, host);
  const file = program.getSourceFile(fileName)!;
  return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file), ...program.getGlobalDiagnostics()].map(
    (d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
  );
}

/** Diagnostics of `edited` that `original` does not have (as a multiset of messages). */
function newDiagnostics(original: string, edited: string, extension: string, options = OPTIONS): string[] {
  const before = diagnosticsOf(original, extension, options);
  return diagnosticsOf(edited, extension, options).filter((d) => {
    const at = before.indexOf(d);
    if (at < 0) return true;
    before.splice(at, 1);
    return false;
  });
}

const PRELUDE = 'declare function log(...values: unknown[]): void;\ndeclare function fetchText(url: string): Promise<string>;\n';

describe('extractFunction', () => {
  test('the oracle can fail: a broken edit has new diagnostics', () => {
    expect(newDiagnostics(`${PRELUDE}function f(a: number) { log(a); }`, `${PRELUDE}function f(a: number) { g(a); }`, 'ts')).toEqual(["TS2304: Cannot find name 'g'."]);
  });

  test('locals of the enclosing function become parameters in order of first use; module-level names are not passed', () => {
    check(
      `${PRELUDE}const RATE = 0.2;

export function total(items: number[], bonus: number) {
  let sum = 0;
  «for (const item of items) {
    sum += item * RATE;
  }
  sum += bonus;»
  return sum;
}
`,
      `${PRELUDE}const RATE = 0.2;

export function total(items: number[], bonus: number) {
  let sum = 0;
  sum = extracted(items, sum, bonus);
  return sum;
}

function extracted(items: number[], sum: number, bonus: number) {
  for (const item of items) {
    sum += item * RATE;
  }
  sum += bonus;
  return sum;
}
`,
      { parameters: ['items: number[]', 'sum: number', 'bonus: number'], returns: ['sum'], async: false, strictToo: true },
    );
  });

  test('imports and module-level functions stay visible; globals are not passed', () => {
    check(
      `import { readFileSync } from 'node:fs';
function helper(s: string) { return s.trim(); }
export const read = (path: string) => {
  «const raw = helper(String(readFileSync(path)));
  const size = Math.max(raw.length, 1);»
  return size;
};
`,
      `import { readFileSync } from 'node:fs';
function helper(s: string) { return s.trim(); }
export const read = (path: string) => {
  const size = extracted(path);
  return size;
};

function extracted(path: string) {
  const raw = helper(String(readFileSync(path)));
  const size = Math.max(raw.length, 1);
  return size;
}
`,
      { parameters: ['path: string'], returns: ['size'] },
    );
  });

  test('shadowing: a name the selection declares in an inner block is not the outer one', () => {
    check(
      `${PRELUDE}function f(x: number) {
  const y = x + 1;
  «const doubled = y * 2;
  {
    const y = 5;
    log(y, doubled);
  }»
}
`,
      `${PRELUDE}function f(x: number) {
  const y = x + 1;
  extracted(y);
}

function extracted(y: number) {
  const doubled = y * 2;
  {
    const y = 5;
    log(y, doubled);
  }
}
`,
      { parameters: ['y: number'], returns: [] },
    );
  });

  test('destructuring declarations used after the selection are returned and destructured at the call site', () => {
    check(
      `${PRELUDE}function f(point: { a: number; b: number }, list: string[]) {
  «const { a, b } = point;
  const [first] = list;
  log(b);»
  log(a, first);
}
`,
      `${PRELUDE}function f(point: { a: number; b: number }, list: string[]) {
  const { a, first } = extracted(point, list);
  log(a, first);
}

function extracted(point: { a: number; b: number }, list: string[]) {
  const { a, b } = point;
  const [first] = list;
  log(b);
  return { a, first };
}
`,
      { parameters: ['point: { a: number; b: number }', 'list: string[]'], returns: ['a', 'first'] },
    );
  });

  test('several lets reassigned inside are assigned back with a destructuring assignment', () => {
    check(
      `function bounds(n: number) {
  let lo = 0;
  let hi = n;
  «lo = lo + 1;
  hi = hi - 1;»
  return lo + hi;
}
`,
      `function bounds(n: number) {
  let lo = 0;
  let hi = n;
  ({ lo, hi } = extracted(lo, hi));
  return lo + hi;
}

function extracted(lo: number, hi: number) {
  lo = lo + 1;
  hi = hi - 1;
  return { lo, hi };
}
`,
      { parameters: ['lo: number', 'hi: number'], returns: ['lo', 'hi'] },
    );
  });

  test('a mix of new and reassigned variables: the new ones are declared first', () => {
    check(
      `${PRELUDE}function f() {
  let count = 0;
  «count++;
  const label = 'n' + count;»
  log(count, label);
}
`,
      `${PRELUDE}function f() {
  let count = 0;
  let label;
  ({ count, label } = extracted(count));
  log(count, label);
}

function extracted(count: number) {
  count++;
  const label = 'n' + count;
  return { count, label };
}
`,
      { parameters: ['count: number'], returns: ['count', 'label'] },
    );
  });

  test('a variable written in a loop is returned even when only the loop reads it again', () => {
    check(
      `${PRELUDE}function f(xs: number[]) {
  let last = -1;
  for (const x of xs) {
    «log(last);
    last = x;»
  }
}
`,
      `${PRELUDE}function f(xs: number[]) {
  let last = -1;
  for (const x of xs) {
    last = extracted(last, x);
  }
}

function extracted(last: number, x: number) {
  log(last);
  last = x;
  return last;
}
`,
      { parameters: ['last: number', 'x: number'], returns: ['last'] },
    );
  });

  test('await makes the function async and the call awaited; awaits in nested functions do not', () => {
    check(
      `${PRELUDE}export async function load(url: string) {
  «const body = await fetchText(url);
  const later = async () => await fetchText(body);»
  return later();
}
`,
      `${PRELUDE}export async function load(url: string) {
  const later = await extracted(url);
  return later();
}

async function extracted(url: string) {
  const body = await fetchText(url);
  const later = async () => await fetchText(body);
  return later;
}
`,
      { parameters: ['url: string'], returns: ['later'], async: true },
    );
  });

  test('a selection that returns on every path becomes `return f(...)`', () => {
    check(
      `${PRELUDE}function sign(n: number, label: string) {
  log(label);
  «if (n < 0) {
    return -1;
  } else {
    return n === 0 ? 0 : 1;
  }»
}
`,
      `${PRELUDE}function sign(n: number, label: string) {
  log(label);
  return extracted(n);
}

function extracted(n: number) {
  if (n < 0) {
    return -1;
  } else {
    return n === 0 ? 0 : 1;
  }
}
`,
      { parameters: ['n: number'], returns: [] },
    );
  });

  test("returning in the caller's place, the new function declares the caller's return type (and is async when the caller is)", () => {
    check(
      `${PRELUDE}export async function wait(ms: number): Promise<void> {
  log(ms);
  «return new Promise((resolve) => setTimeout(resolve, ms));»
}
`,
      `${PRELUDE}export async function wait(ms: number): Promise<void> {
  log(ms);
  return await extracted(ms);
}

async function extracted(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
`,
      { parameters: ['ms: number'], returns: [] },
    );
    check(
      `${PRELUDE}export function wait(ms: number): Promise<void> {
  log(ms);
  «return new Promise((resolve) => setTimeout(resolve, ms));»
}
`,
      `${PRELUDE}export function wait(ms: number): Promise<void> {
  log(ms);
  return extracted(ms);
}

function extracted(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
`,
      { parameters: ['ms: number'], returns: [] },
    );
  });

  test('a selection with a return that ends the function body: falling through returns too', () => {
    check(
      `${PRELUDE}function find(xs: number[], x: number) {
  log(x);
  «for (const v of xs) {
    if (v === x) return v;
  }»
}
`,
      `${PRELUDE}function find(xs: number[], x: number) {
  log(x);
  return extracted(xs, x);
}

function extracted(xs: number[], x: number) {
  for (const v of xs) {
    if (v === x) return v;
  }
}
`,
      { parameters: ['xs: number[]', 'x: number'], returns: [] },
    );
  });

  test('return, break and continue that stay inside the selection are fine', () => {
    check(
      `${PRELUDE}function f(rows: number[][]) {
  «const pick = (r: number[]) => { return r[0]; };
  outer: for (const row of rows) {
    for (const cell of row) {
      if (cell < 0) continue outer;
      if (cell > 9) break;
    }
    switch (row.length) {
      case 0: break;
    }
    log(pick(row));
  }»
}
`,
      `${PRELUDE}function f(rows: number[][]) {
  extracted(rows);
}

function extracted(rows: number[][]) {
  const pick = (r: number[]) => { return r[0]; };
  outer: for (const row of rows) {
    for (const cell of row) {
      if (cell < 0) continue outer;
      if (cell > 9) break;
    }
    switch (row.length) {
      case 0: break;
    }
    log(pick(row));
  }
}
`,
      { parameters: ['rows: number[][]'], returns: [] },
    );
  });

  test('this inside a nested non-arrow function of the selection is its own', () => {
    check(
      `${PRELUDE}class Box {
  size = 1;
  grow(by: number) {
    «const counter = { n: by, bump() { this.n++; return this.n; } };
    log(counter.bump());»
  }
}
`,
      `${PRELUDE}class Box {
  size = 1;
  grow(by: number) {
    extracted(by);
  }
}

function extracted(by: number) {
  const counter = { n: by, bump() { this.n++; return this.n; } };
  log(counter.bump());
}
`,
    );
  });

  test('comments in the selection are kept; indentation moves to one level of the file (tabs); template lines stay as they are', () => {
    check(
      `${PRELUDE}function f(name: string) {
\tif (name) {
\t\t«// greet first
\t\tconst text = \`Hello
  \${name}\`;
\t\t/* then log */
\t\tlog(text);»
\t}
}
`,
      `${PRELUDE}function f(name: string) {
\tif (name) {
\t\textracted(name);
\t}
}

function extracted(name: string) {
\t// greet first
\tconst text = \`Hello
  \${name}\`;
\t/* then log */
\tlog(text);
}
`,
      { parameters: ['name: string'] }, // `if (name)` cannot narrow a string
    );
  });

  test('a top-level selection: module names are not passed, the function follows the call', () => {
    check(
      `${PRELUDE}const base = 2;
«const squared = base * base;
const label = \`\${squared}\`;»
log(label);
`,
      `${PRELUDE}const base = 2;
const label = extracted();

function extracted() {
  const squared = base * base;
  const label = \`\${squared}\`;
  return label;
}
log(label);
`,
      { parameters: [], returns: ['label'] },
    );
  });

  test('a trailing comment stays with its declaration; semicolon-free files stay semicolon-free', () => {
    check(
      `function f(a) {
  let b = a
  «b = b * 2»
  return b
} // f
`,
      `function f(a) {
  let b = a
  b = extracted(b)
  return b
} // f

function extracted(b) {
  b = b * 2
  return b
}
`,
      { languageId: 'javascript', parameters: ['b'], returns: ['b'] },
    );
  });

  test('.tsx: components are values like any other; JSX is kept', () => {
    check(
      `declare namespace JSX { interface IntrinsicElements { [name: string]: any } }
export function App(props: { title: string }) {
  const Title = (p: { text: string }) => <h1>{p.text}</h1>;
  «const header = <Title text={props.title} />;»
  return <div>{header}</div>;
}
`,
      `declare namespace JSX { interface IntrinsicElements { [name: string]: any } }
export function App(props: { title: string }) {
  const Title = (p: { text: string }) => <h1>{p.text}</h1>;
  const header = extracted(Title, props);
  return <div>{header}</div>;
}

function extracted(Title, props: { title: string }) {
  const header = <Title text={props.title} />;
  return header;
}
`,
      { languageId: 'typescriptreact', parameters: ['Title', 'props: { title: string }'], returns: ['header'] },
    );
  });

  test('.js: no annotations', () => {
    check(
      `export function sum(xs, start) {
  let s = start;
  «for (const x of xs) s += x;»
  return s;
}
`,
      `export function sum(xs, start) {
  let s = start;
  s = extracted(xs, s);
  return s;
}

function extracted(xs, s) {
  for (const x of xs) s += x;
  return s;
}
`,
      { languageId: 'javascript', parameters: ['xs', 's'] },
    );
  });

  test('a declared type that may have been narrowed is left to inference; one that names a type parameter makes it the function’s', () => {
    check(
      `${PRELUDE}type Shape = { kind: 'circle'; r: number } | { kind: 'square'; side: number };
interface Named { name: string }
function f<T>(value: string | number, item: T, count: number, flag: boolean, shape: Shape, named: Named, list: Named[]) {
  if (typeof value === 'string' && shape.kind === 'circle' && named.name && list.length === 1) {
    if (flag && count === 2) {
      «log(value.length, item, count, flag, shape.r, named, list);»
    }
  }
}
`,
      `${PRELUDE}type Shape = { kind: 'circle'; r: number } | { kind: 'square'; side: number };
interface Named { name: string }
function f<T>(value: string | number, item: T, count: number, flag: boolean, shape: Shape, named: Named, list: Named[]) {
  if (typeof value === 'string' && shape.kind === 'circle' && named.name && list.length === 1) {
    if (flag && count === 2) {
      extracted<T>(value, item, count, flag, shape, named, list);
    }
  }
}

function extracted<T>(value, item: T, count: number, flag: boolean, shape, named, list: Named[]) {
  log(value.length, item, count, flag, shape.r, named, list);
}
`,
      { parameters: ['value', 'item: T', 'count: number', 'flag: boolean', 'shape', 'named', 'list: Named[]'] },
    );
  });

  test('a for-of variable over an annotated array gets the element type', () => {
    check(
      `${PRELUDE}interface Row { id: number }
function f(rows: Row[], names: ReadonlyArray<string>) {
  for (const row of rows) {
    for (const name of names) {
      «log(row.id, name.length);»
    }
  }
}
`,
      `${PRELUDE}interface Row { id: number }
function f(rows: Row[], names: ReadonlyArray<string>) {
  for (const row of rows) {
    for (const name of names) {
      extracted(row, name);
    }
  }
}

function extracted(row: Row, name: string) {
  log(row.id, name.length);
}
`,
      { parameters: ['row: Row', 'name: string'], strictToo: true },
    );
  });

  test('a variable initialized by a call of a function with a declared return type, or by `new`, gets that type', () => {
    check(
      `${PRELUDE}class Counter { n = 0 }
function parse(line: string): string[] { return line.split(','); }
async function load(): Promise<Counter> { return new Counter(); }
function id<T>(x: T): T { return x; }
async function f(line: string) {
  const cells = parse(line);
  const counter = new Counter();
  const loaded = await load();
  const same = id(line);
  «log(cells.length, counter.n, loaded.n, same);»
}
`,
      `${PRELUDE}class Counter { n = 0 }
function parse(line: string): string[] { return line.split(','); }
async function load(): Promise<Counter> { return new Counter(); }
function id<T>(x: T): T { return x; }
async function f(line: string) {
  const cells = parse(line);
  const counter = new Counter();
  const loaded = await load();
  const same = id(line);
  extracted(cells, counter, loaded, same);
}

function extracted(cells: string[], counter: Counter, loaded: Counter, same) {
  log(cells.length, counter.n, loaded.n, same);
}
`,
      { parameters: ['cells: string[]', 'counter: Counter', 'loaded: Counter', 'same'] }, // `same` comes from a generic call: unknown
    );
  });

  test('a selection ending in throw returns nothing and is declared never, so the caller keeps its control flow', () => {
    check(
      `function pick(xs: number[], i: number): number {
  if (i < xs.length) return xs[i];
  «const message = 'no item ' + i;
  throw new Error(message);»
}
`,
      `function pick(xs: number[], i: number): number {
  if (i < xs.length) return xs[i];
  extracted(i);
}

function extracted(i: number): never {
  const message = 'no item ' + i;
  throw new Error(message);
}
`,
      { parameters: ['i: number'], returns: [], strictToo: true },
    );
  });

  test('types the syntax settles: copies, string and array methods, destructuring, local functions', () => {
    check(
      `${PRELUDE}interface Summary { min: number; label: string }
declare function summarize(values: readonly number[]): Summary;
function report(values: readonly number[], text: string) {
  const sorted = [...values].sort((a, b) => a - b);
  const count = sorted.length;
  const mean = count === 0 ? NaN : count / 2;
  const { min, label: title } = summarize(values);
  const words = text.trim().split(' ');
  const show = (line: string) => { log(line); };
  «show(\`\${sorted[0]} \${count} \${mean} \${min} \${title} \${words.length}\`);»
}
`,
      `${PRELUDE}interface Summary { min: number; label: string }
declare function summarize(values: readonly number[]): Summary;
function report(values: readonly number[], text: string) {
  const sorted = [...values].sort((a, b) => a - b);
  const count = sorted.length;
  const mean = count === 0 ? NaN : count / 2;
  const { min, label: title } = summarize(values);
  const words = text.trim().split(' ');
  const show = (line: string) => { log(line); };
  extracted(show, sorted, count, mean, min, title, words);
}

function extracted(show: (line: string) => void, sorted: number[], count: number, mean: number, min: Summary['min'], title: Summary['label'], words: string[]) {
  show(\`\${sorted[0]} \${count} \${mean} \${min} \${title} \${words.length}\`);
}
`,
      { strictToo: true },
    );
  });

  test('type parameters of enclosing declarations become the function’s, with their constraints, and the call passes them', () => {
    check(
      `${PRELUDE}class Table<K extends string> {\n  fill<T extends Record<K, number>>(rows: T[], key: K) {\n    «const picked: T[] = rows.filter((r) => r[key] > 0);\n    log(picked);»\n  }\n}\n`,
      `${PRELUDE}class Table<K extends string> {\n  fill<T extends Record<K, number>>(rows: T[], key: K) {\n    extracted<K, T>(rows, key);\n  }\n}\n\nfunction extracted<K extends string, T extends Record<K, number>>(rows: T[], key: K) {\n  const picked: T[] = rows.filter((r) => r[key] > 0);\n  log(picked);\n}\n`,
      { parameters: ['rows: T[]', 'key: K'], strictToo: true },
    );
  });

  test('a whole body keeps the enclosing return type and its type parameters, `const` ones included, as TypeScript extracts it', () => {
    const before = `${PRELUDE}interface Guard<T> { value: T }\ndeclare function make<T>(x: T): Guard<T>;\nexport function lte<const max extends number, unused>(max: max): Guard<max> {\n  «return make(max);»\n}\n`;
    check(
      before,
      `${PRELUDE}interface Guard<T> { value: T }\ndeclare function make<T>(x: T): Guard<T>;\nexport function lte<const max extends number, unused>(max: max): Guard<max> {\n  return extracted<max>(max);\n}\n\nfunction extracted<const max extends number>(max: max): Guard<max> {\n  return make(max);\n}\n`,
      { parameters: ['max: max'], strictToo: true },
    );
  });

  test('a return type naming a type parameter the body does not otherwise use makes it the function’s', () => {
    check(
      `${PRELUDE}function empty<const T extends readonly unknown[] = []>(): Promise<T[number] | undefined> {\n  «log('empty');\n  return Promise.resolve(undefined);»\n}\n`,
      `${PRELUDE}function empty<const T extends readonly unknown[] = []>(): Promise<T[number] | undefined> {\n  return extracted<T>();\n}\n\nfunction extracted<const T extends readonly unknown[]>(): Promise<T[number] | undefined> {\n  log('empty');\n  return Promise.resolve(undefined);\n}\n`,
      { strictToo: true },
    );
  });

  test('a selection that returns and sets a variable read after it returns both in one object, as TypeScript extracts it', () => {
    check(
      `${PRELUDE}function f(a: number) {\n  let n = 0;\n  const g = () => {\n    «n = a;\n    return 1;»\n  };\n  g();\n  log(n);\n}\n`,
      `${PRELUDE}function f(a: number) {\n  let n = 0;\n  const g = () => {\n    let __return;\n    ({ __return, n } = extracted(n, a));\n    return __return;\n  };\n  g();\n  log(n);\n}\n\nfunction extracted(n: number, a: number) {\n  n = a;\n  return { __return: 1, n };\n}\n`,
      { returns: ['n'], strictToo: true },
    );
  });

  test('returning and setting: every return carries the variables, a sequence stays one value, a fall-through end returns them too, the name is free', () => {
    check(
      `${PRELUDE}function f(xs: number[], __return: string) {\n  let seen = 0;\n  const visit = (x: number) => {\n    «seen++;\n    if (x > 10) return;\n    if (x > 5) return log(x), x;»\n  };\n  xs.forEach(visit);\n  log(seen, __return);\n}\n`,
      `${PRELUDE}function f(xs: number[], __return: string) {\n  let seen = 0;\n  const visit = (x: number) => {\n    let __return2;\n    ({ __return2, seen } = extracted(seen, x));\n    return __return2;\n  };\n  xs.forEach(visit);\n  log(seen, __return);\n}\n\nfunction extracted(seen: number, x: number) {\n  seen++;\n  if (x > 10) return { __return2: undefined, seen };\n  if (x > 5) return { __return2: (log(x), x), seen };\n  return { __return2: undefined, seen };\n}\n`,
      { returns: ['seen'], strictToo: true },
    );
  });

  test('a tuple member label is no binding: a variable of its name declared in the selection is not used outside it', () => {
    check(
      `${PRELUDE}function f(...args: [key?: string, pattern?: unknown]) {\n  «const pattern: unknown = args[1];\n  return pattern;»\n}\n`,
      `${PRELUDE}function f(...args: [key?: string, pattern?: unknown]) {\n  return extracted(args);\n}\n\nfunction extracted(args) {\n  const pattern: unknown = args[1];\n  return pattern;\n}\n`,
    );
  });

  test('a yield makes the function a generator that the call delegates to, as TypeScript extracts it; what it returns is the value of yield*', () => {
    check(
      `${PRELUDE}function* g(xs: number[]): Generator<number, string> {\n  const n = xs.length;\n  «if (n > 1) {\n    yield n;\n  }\n  const label = String(n);»\n  return label;\n}\n`,
      `${PRELUDE}function* g(xs: number[]): Generator<number, string> {\n  const n = xs.length;\n  const label = yield* extracted(n);\n  return label;\n}\n\nfunction* extracted(n: number) {\n  if (n > 1) {\n    yield n;\n  }\n  const label = String(n);\n  return label;\n}\n`,
      { returns: ['label'], strictToo: true },
    );
    check(
      `${PRELUDE}async function* g(p: Promise<number>): AsyncGenerator<number, void> {\n  «const n = await p;\n  yield n;»\n}\n`,
      `${PRELUDE}async function* g(p: Promise<number>): AsyncGenerator<number, void> {\n  yield* extracted(p);\n}\n\nasync function* extracted(p: Promise<number>) {\n  const n = await p;\n  yield n;\n}\n`,
      { strictToo: true },
    );
  });

  test('the given name is used as it is', () => {
    check(`${PRELUDE}function f(a: number) {\n  «log(a);»\n}\n`, `${PRELUDE}function f(a: number) {\n  show(a);\n}\n\nfunction show(a: number) {\n  log(a);\n}\n`, { name: 'show' });
  });
});

describe('extractFunction refuses what a function cannot keep', () => {
  const cases: [string, string, RegExp, string?][] = [
    ['a return on some paths, with code after the selection', 'function f(a) {\n  «if (a) return 1;»\n  return 2;\n}', /returns on some paths only \(`return` at line 2\)/],
    ['a return and a variable declared in the selection used after it', 'function f(xs) {\n  for (const x of xs) {\n    «var n = x;\n    return 1;»\n  }\n  log(n);\n}', /returns from the function and also declares `n`/],
    ['a break leaving the selection', 'function f(xs) {\n  for (const x of xs) {\n    «if (x) break;»\n  }\n}', /contains a `break` \(line 3\) that leaves the selection/],
    ['a continue to a label outside', 'function f(xs) {\n  outer: for (const x of xs) {\n    for (const y of x) { «continue outer;» }\n  }\n}', /contains a `continue` \(line 3\) that leaves the selection/],
    ['this in the enclosing method', 'class A {\n  n = 1;\n  m() {\n    «log(this.n);»\n  }\n}', /uses `this` \(line 4\)/],
    ['this in an arrow function of the selection', 'class A {\n  n = 1;\n  m() {\n    «const g = () => this.n;»\n  }\n}', /uses `this` \(line 4\)/],
    ['super', 'class A extends B {\n  m() {\n    «super.m();»\n  }\n}', /uses `super`/],
    ['arguments', 'function f() {\n  «log(arguments.length);»\n}', /uses `arguments` of the enclosing function/],
    ['a function declared inside and used after', 'function f() {\n  «function helper() {}»\n  helper();\n}', /`helper` \(a function\) is declared in the selection and used outside it/],
    ['an interface declared inside and used outside', 'function f() {\n  «interface P { x: number }»\n  const p: P = { x: 1 };\n}', /`P` \(an interface\) is declared in the selection and used outside it/],
    ['a local type', 'function f() {\n  interface P { x: number }\n  «const p: P = { x: 1 };\n  log(p);»\n}', /uses the local type `P` \(line 3\)/],
    ['a type parameter whose constraint is a local type', 'function f() {\n  interface P { x: number }\n  function g<T extends P>(x: T) {\n    «const y: T = x;\n    log(y);»\n  }\n}', /uses the local type `T`/],
    ['part of a statement', 'function f(a) {\n  log(«a + 1»);\n}', /select one or more whole statements/],
    ['an existing top-level name', 'function extracted() {}\nfunction f(a) {\n  «log(a);»\n}', /`extracted` is already declared at the top level \(line 1\)/],
    ['a name visible at the call site', 'function f(extracted) {\n  «log(1);»\n}', /`extracted` already names something visible where the function is called/],
    ['a global used in the file', 'function f(a) {\n  «log(a);»\n}', /`log` is used in this file as a global name/, 'log'],
    ['a returned variable of that name', 'function f(a) {\n  «const total = a;»\n  return total;\n}', /`total` is a variable the extracted code uses/, 'total'],
    ['a reserved word', 'function f(a) {\n  «log(a);»\n}', /`class` is a reserved word/, 'class'],
  ];
  test.each(cases)("%s", (...[, input, reason, name]) => checkRefused(input, reason, { name }));
});

test('defaultFunctionName: the first free one of extracted, extracted2, ...', () => {
  const { text, range } = marked('const extracted = 1;\nfunction f(extracted2: number) {\n  «log(extracted2);»\n}\n');
  const planned = planExtraction(parse(text, 'typescript'), text, range);
  if (!planned.ok) throw new Error(planned.reason);
  expect(defaultFunctionName(planned.plan)).toBe('extracted3');
});
