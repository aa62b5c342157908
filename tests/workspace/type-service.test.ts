/**
 * The type service (workspace/type-service.ts) on temp-directory projects:
 * the type of a name at an offset as the checker prints it for the file's top
 * level (imported, narrowed, contextual, instantiated types), refused when it
 * names something only visible locally, the open documents' text over the
 * disk's, and no types (never an exception) when the program cannot be built
 * in time. Every question is bounded (it runs on the main thread): checking
 * past its budget, an aborted edit and an edit whose time is spent answer
 * "unknown" (undefined) within the budget; a project's roots stay at the
 * files asked about last.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DocumentSnapshot } from '../../protocol/edit-task.js';
import { problemsAdded, type CheckedType, type TypeView } from '../../protocol/type-view.js';
import { TypeService } from '../../workspace/type-service.js';
import { fewestTypeErrors } from '../../engine/fix-edit.js';

const TSCONFIG = JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', skipLibCheck: true, noEmit: true }, include: ['src'] });

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'specedit-types-'));
  write('tsconfig.json', TSCONFIG);
  write('src/lines.ts', "import type { Line } from './model';\nexport function first(): Line {\n  return { sku: 'a', qty: 1 };\n}\n");
  write('src/model.ts', 'export interface Order { id: string; lines: Line[] }\nexport interface Line { sku: string; qty: number }\nexport type Shape = { kind: "circle"; r: number } | { kind: "square"; side: number };\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string): string {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
  return full;
}

function doc(path: string, text: string, version: number | null = 1): DocumentSnapshot {
  return { uri: pathToFileURL(join(root, path)).href, languageId: path.endsWith('.js') ? 'javascript' : 'typescript', version, text };
}

/** The type the service gives the name after `$$` in `marked`, written (without the marker) as `path`: its text, then the type parameters it needs. */
function typeOf(service: TypeService, path: string, marked: string, declared = false): string | undefined {
  const offset = marked.indexOf('$$');
  const text = marked.replace('$$', '');
  write(path, text);
  const types = service.typesAt(doc(path, text), [{ offset, declared }]);
  if (!types) throw new Error('no checker');
  const answer = types.get(offset);
  return answer && [answer.text, ...answer.typeParameters.map((t) => `<${t.declaration}>`)].join(' ');
}

describe('types of names as the checker sees them', () => {
  // Budgets far above the defaults: these tests are about the types, not the time (a loaded machine builds slowly).
  const service = new TypeService({ buildBudgetMs: 60_000, questionBudgetMs: 30_000 });

  test.each([
    ['an imported interface', "import { Order } from './model';\nexport function f(o: Order) {\n  console.log($$o.id);\n}\n", 'Order'],
    [
      'a narrowed union, through an imported alias',
      "import type { Shape } from './model';\nexport function area(s: Shape) {\n  if (s.kind === 'circle') {\n    return $$s.r;\n  }\n  return 0;\n}\n",
      '{ kind: "circle"; r: number; }',
    ],
    [
      'an optional value after a test',
      'export function f(x?: string) {\n  if (!x) return;\n  console.log($$x);\n}\n',
      'string',
    ],
    [
      'a callback parameter typed by its context',
      "import type { Order } from './model';\nexport function f(orders: Order[]) {\n  orders.forEach((order) => {\n    console.log($$order.lines);\n  });\n}\n",
      'Order',
    ],
    [
      'a member read through this',
      'export class Stock {\n  private counts = new Map<string, number>();\n  total() {\n    const counts = this.counts;\n    return $$counts.size;\n  }\n}\n',
      'Map<string, number>',
    ],
    [
      'a generic instantiation',
      'export function f() {\n  const seen = new Map<string, number[]>();\n  $$seen.set("a", [1]);\n}\n',
      'Map<string, number[]>',
    ],
    ['a type parameter of the enclosing function', 'export function f<T>(items: T[]) {\n  console.log($$items);\n}\n', 'T[] <T>'],
    [
      'type parameters with constraints that name each other, outer first',
      'export class Bus<E extends Record<string, unknown>> {\n  on<K extends keyof E>(name: K, fn: (payload: E[K]) => void) {\n    console.log($$fn, name);\n  }\n}\n',
      '(payload: E[K]) => void <E extends Record<string, unknown>> <K extends keyof E>',
    ],
    ['a type from a module the file does not import', "import { first } from './lines';\nexport function f() {\n  const line = first();\n  console.log($$line);\n}\n", 'import("./model").Line'],
    ['a local function', 'export function f() {\n  function twice(n: number): string { return String(n * 2); }\n  $$twice(2);\n}\n', '(n: number) => string'],
  ])('%s', (_, text, expected) => {
    expect(typeOf(service, 'src/case.ts', text)).toBe(expected);
  });

  test('an assigned variable gets its declared type, not the narrowed one', () => {
    const text = 'export function f(input: string) {\n  let last: number | undefined = undefined;\n  last = input.length;\n  console.log($$last);\n}\n';
    expect(typeOf(service, 'src/case.ts', text)).toBe('number');
    expect(typeOf(service, 'src/case.ts', text, true)).toBe('number | undefined');
  });

  test.each([
    ['a local interface', 'export function f() {\n  interface Local { a: number }\n  const v: Local = { a: 1 };\n  console.log($$v);\n}\n'],
    ['a type parameter hidden by another of its name', 'export function f<T>(a: T) {\n  return <T>(b: T, c: typeof a) => {\n    console.log($$c);\n  };\n}\n'],
    ['a local class', 'export function f() {\n  class Box { v = 1 }\n  const b = new Box();\n  console.log($$b);\n}\n'],
  ])('no type when it names %s', (_, text) => {
    expect(typeOf(service, 'src/case.ts', text)).toBeUndefined();
  });

  test("an open document's text wins over the disk's, and over other open files' disk text", () => {
    write('src/open-model.ts', 'export const limit = 1;\n');
    const importer = "import { limit } from './open-model';\nexport function f() {\n  console.log(limit);\n}\n";
    write('src/importer.ts', importer);
    const offset = importer.indexOf('limit', importer.indexOf('console'));
    const open = new TypeService({ openDocuments: () => [doc('src/open-model.ts', 'export const limit = "x" as string;\n', 3)] });
    expect(open.typesAt(doc('src/importer.ts', importer), [{ offset }])?.get(offset)?.text).toBe('string');
    expect(new TypeService().typesAt(doc('src/importer.ts', importer), [{ offset }])?.get(offset)?.text).toBe('1');
    const edited = importer.replace('console.log(limit)', 'const n: number = limit;\n  console.log(n)');
    const at = edited.indexOf('n)');
    expect(service.typesAt(doc('src/importer.ts', edited, 2), [{ offset: at }])?.get(at)?.text).toBe('number');
  });

  test('JavaScript files get no types', () => {
    expect(service.typesAt(doc('src/plain.js', 'const a = 1;\n'), [{ offset: 6 }])).toBeUndefined();
  });

  test('a file outside any tsconfig uses strict defaults', () => {
    const outside = mkdtempSync(join(tmpdir(), 'specedit-types-bare-'));
    try {
      const text = 'export function f(xs: number[]) {\n  const first = xs[0];\n  console.log(first);\n}\n';
      writeFileSync(join(outside, 'bare.ts'), text);
      const offset = text.indexOf('first', text.indexOf('console'));
      const types = new TypeService().typesAt({ uri: pathToFileURL(join(outside, 'bare.ts')).href, languageId: 'typescript', version: 1, text }, [{ offset }]);
      expect(types?.get(offset)?.text).toBe('number'); // noUncheckedIndexedAccess is off, as in tsc's strict
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test("a file its tsconfig.json does not include gets the inferred project, a file created since the configuration's", () => {
    const project = mkdtempSync(join(tmpdir(), 'specedit-types-include-'));
    try {
      writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noUncheckedIndexedAccess: true, types: [] }, include: ['src'] }));
      const text = 'export function f(xs: number[]) {\n  const first = xs[0];\n  console.log(first);\n}\n';
      const offset = text.indexOf('first', text.indexOf('console'));
      const service = new TypeService();
      const typeIn = (path: string) => {
        mkdirSync(dirname(join(project, path)), { recursive: true });
        writeFileSync(join(project, path), text);
        return service.typesAt({ uri: pathToFileURL(join(project, path)).href, languageId: 'typescript', version: 1, text }, [{ offset }])?.get(offset)?.text;
      };
      expect(typeIn('src/a.ts')).toBe('number | undefined');
      expect(typeIn('scripts/b.ts')).toBe('number');
      expect(typeIn('src/created-later.ts')).toBe('number | undefined');
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  test('past the time budget there are no types, and a later request goes on from where it stopped', () => {
    const logs: string[] = [];
    const slow = new TypeService({ buildBudgetMs: 0, logger: { debug: (m) => logs.push(m) } });
    const text = 'export function f(n: number) {\n  console.log(n);\n}\n';
    write('src/budget.ts', text);
    const offset = text.indexOf('n)');
    let answered: Map<number, CheckedType> | undefined;
    for (let attempt = 0; attempt < 200 && !answered; attempt++) answered = slow.typesAt(doc('src/budget.ts', text), [{ offset }]);
    expect(logs[0]).toMatch(/ran past 0 ms/);
    expect(answered?.get(offset)?.text).toBe('number');
  });
});

describe('problems an edit would add', () => {
  const LOOP_FILE = "import type { Line } from './model';\nexport function count(lines: Line[]): number {\n  let n = 0;\n  for (let i = 0; i < lines.length; i++) n += lines[i].qty;\n  const late: number = 'x';\n  return n + late;\n}\n";

  test('new errors are reported with where they are; the errors already there are not', () => {
    const service = new TypeService();
    const document = doc('src/count.ts', LOOP_FILE);
    const added = (text: string) => problemsAdded(service.problemsIn(document)!, service.problemsIn(document, text)!);
    expect(service.problemsIn(document)?.map((p) => p.code)).toEqual([2322]);
    expect(added(LOOP_FILE.replace('for (let i = 0; i < lines.length; i++) n += lines[i].qty;', 'for (const line of lines) n += line.qty;'))).toEqual([]);
    const broken = LOOP_FILE.replace('n += lines[i].qty', 'n += lines[i].quantity + missing');
    const found = added(broken);
    expect(found.map((p) => [p.code, p.message])).toEqual([
      [2339, "Property 'quantity' does not exist on type 'Line'."],
      [2304, "Cannot find name 'missing'."],
    ]);
    expect(broken.slice(found[1].offset, found[1].offset + 'missing'.length)).toBe('missing');
    // The pre-existing error (a string assigned to a number) stays out of it, also when it moves.
    expect(added(`\n\n${LOOP_FILE}`)).toEqual([]);
    // The service answers for the document's own text afterwards.
    expect(typeOf(service, 'src/count.ts', LOOP_FILE.replace('return n', () => 'return $$n'))).toBe('number');
  });

  test('no checker for JavaScript', () => {
    expect(new TypeService().problemsIn(doc('src/plain.js', 'let a = 1;\n'), 'let a = b;\n')).toBeUndefined();
  });
});

describe('bounded questions', () => {
  /** A project whose one file takes seconds to check: 1,500 functions, each instantiating a 30-step recursive type of its own. */
  let slowRoot: string;
  let slowDoc: DocumentSnapshot;
  let smallDoc: DocumentSnapshot;
  const FUNCTIONS = 1500;
  beforeAll(() => {
    slowRoot = mkdtempSync(join(tmpdir(), 'specedit-types-slow-'));
    writeFileSync(join(slowRoot, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', lib: ['ES2022'], types: [], noEmit: true } }));
    const lines = ['type Deep<T, N extends number, A extends unknown[] = []> = A["length"] extends N ? T : Deep<{ v: T }, N, [...A, 0]>;'];
    for (let i = 0; i < FUNCTIONS; i++) lines.push(`export function f${i}(x: Deep<"k${i}", 30>): "k${i}" { const y: Deep<"k${i}", 30> = x; return y${'.v'.repeat(30)}; }`);
    const slow = `${lines.join('\n')}\n`;
    writeFileSync(join(slowRoot, 'slow.ts'), slow);
    writeFileSync(join(slowRoot, 'small.ts'), 'export const n: number = "x";\n');
    const at = (file: string, text: string): DocumentSnapshot => ({ uri: pathToFileURL(join(slowRoot, file)).href, languageId: 'typescript', version: 1, text });
    slowDoc = at('slow.ts', slow);
    smallDoc = at('small.ts', 'export const n: number = "x";\n');
  });
  afterAll(() => rmSync(slowRoot, { recursive: true, force: true }));

  /** `question`'s answer and how long it took. */
  function timed<T>(question: () => T): { answer: T; ms: number } {
    const started = performance.now();
    const answer = question();
    return { answer, ms: performance.now() - started };
  }

  test('checking past the question budget answers unknown within the budget, and the next question is answered', () => {
    const logs: string[] = [];
    const service = new TypeService({ questionBudgetMs: 200, logger: { debug: (m) => logs.push(m) } });
    // Build the program first (a type at one name checks little): what is timed below is the checking.
    expect(service.typesAt(slowDoc, [{ offset: slowDoc.text.indexOf('x:') }])?.size).toBe(1);
    const { answer, ms } = timed(() => service.problemsIn(slowDoc));
    expect(answer).toBeUndefined();
    expect(ms).toBeLessThan(200 + 500);
    expect(logs.at(-1)).toMatch(/^errors: none for .*slow\.ts \(.*tsconfig\.json\): checking ran past 200 ms$/);
    // The program dropped the checker it cancelled; a new one answers.
    expect(service.problemsIn(smallDoc)?.map((p) => p.code)).toEqual([2322]);
  });

  test('an aborted edit answers at once, before any program is built', () => {
    const logs: string[] = [];
    const service = new TypeService({ logger: { debug: (m) => logs.push(m) } });
    const controller = new AbortController();
    controller.abort();
    const { answer, ms } = timed(() => service.problemsIn(slowDoc, undefined, { signal: controller.signal }));
    expect(answer).toBeUndefined();
    expect(service.typesAt(slowDoc, [{ offset: 0 }], { signal: controller.signal })).toBeUndefined();
    expect(ms).toBeLessThan(50);
    expect(service.summary()).toEqual([]);
    expect(logs).toEqual([expect.stringMatching(/the edit was cancelled$/), expect.stringMatching(/the edit was cancelled$/)]);
  });

  test("an edit's questions share its budget: once it is spent they answer unknown at once; a question outside the edit is answered", () => {
    const logs: string[] = [];
    const service = new TypeService({ questionBudgetMs: 10_000, editBudgetMs: 300, logger: { debug: (m) => logs.push(m) } });
    expect(service.typesAt(slowDoc, [{ offset: slowDoc.text.indexOf('x:') }])?.size).toBe(1);
    const signal = new AbortController().signal;
    const first = timed(() => service.problemsIn(slowDoc, undefined, { signal }));
    expect(first.answer).toBeUndefined();
    expect(first.ms).toBeLessThan(300 + 500);
    expect(logs.at(-1)).toMatch(/the edit's time for type questions ran out$/);
    const second = timed(() => service.problemsIn(smallDoc, undefined, { signal }));
    expect(second.answer).toBeUndefined();
    expect(second.ms).toBeLessThan(50);
    expect(logs.at(-1)).toMatch(/the edit's 300 ms for type questions are spent$/);
    expect(service.problemsIn(smallDoc)?.length).toBe(1);
  });

  test('a fix search yields between questions: a cancellation that arrives meanwhile stops it', async () => {
    const controller = new AbortController();
    let asked = 0;
    const types: TypeView = {
      typesAt: () => undefined,
      problemsIn: () => {
        asked++;
        const until = performance.now() + 20; // a question that keeps the thread busy
        while (performance.now() < until);
        if (asked === 2) setImmediate(() => controller.abort()); // as $/cancelRequest would, between two questions
        return [];
      },
    };
    const text = 'let a = 1;\n';
    const repairs = Array.from({ length: 10 }, (_, i) => ({ name: `repair ${i}`, text, at: 0 }));
    const kept = await fewestTypeErrors(repairs, doc('src/any.ts', text), { range: { start: 0, end: text.length }, text, unit: 'lines' }, types, controller.signal);
    expect(asked).toBe(2);
    expect(kept).toEqual(repairs); // unranked: the caller sees the abort
  });

  test('the roots stay at the files asked about last, an open file the last to go, and the texts of dropped files are let go', () => {
    const project = mkdtempSync(join(tmpdir(), 'specedit-types-roots-'));
    try {
      writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', lib: ['ES2022'], types: [], noEmit: true } }));
      const file = (name: string): DocumentSnapshot => {
        const text = `export const ${name} = 1;\n`;
        writeFileSync(join(project, `${name}.ts`), text);
        return { uri: pathToFileURL(join(project, `${name}.ts`)).href, languageId: 'typescript', version: 1, text };
      };
      const open = file('open');
      const others = Array.from({ length: 40 }, (_, i) => file(`m${i}`));
      const service = new TypeService({ maxRoots: 8, openDocuments: () => [open] });
      const typeIn = (d: DocumentSnapshot) => service.typesAt(d, [{ offset: 'export const '.length }])?.values().next().value?.text;
      expect(typeIn(open)).toBe('1');
      for (const d of others.slice(0, 7)) typeIn(d);
      const keptAtEight = service.summary()[0].keptFiles;
      for (const d of others.slice(7)) expect(typeIn(d)).toBe('1');
      const [summary] = service.summary();
      expect(summary.roots.map((r) => r.slice(r.lastIndexOf('/') + 1))).toEqual(['open.ts', ...others.slice(-7).map((_, i) => `m${33 + i}.ts`)]);
      expect(summary.keptFiles).toBe(keptAtEight);
      // A file that left asks again like any other.
      expect(typeIn(others[0])).toBe('1');
      expect(service.summary()[0].roots).toHaveLength(8);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
