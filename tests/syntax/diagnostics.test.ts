import { syntaxProblems, type SyntaxProblem } from '../../syntax/diagnostics.js';
import { languageFor } from '../../syntax/language.js';

/**
 * `source` marks each expected problem range with ⟦ ⟧ (empty for a MISSING
 * token); `messages` are the expected messages in document order.
 */
function check(source: string, messages: string[], languageId = 'typescript'): void {
  const ranges: { start: number; end: number }[] = [];
  let text = '';
  let open = -1;
  for (const ch of source) {
    if (ch === '⟦') open = text.length;
    else if (ch === '⟧') ranges.push({ start: open, end: text.length });
    else text += ch;
  }
  const tree = languageFor(languageId)!.parser.parse(text);
  const expected: SyntaxProblem[] = ranges.map((range, i) => ({ range, message: messages[i] }));
  expect(syntaxProblems(tree)).toEqual(expected);
}

describe('syntaxProblems on valid code', () => {
  const valid: [string, string][] = [
    ['generics with constraints and defaults', 'function id<T extends object = {}>(x: T): T { return x; }'],
    ['const type parameters', 'function f<const T extends readonly unknown[]>(x: T) {}'],
    ['decorators', '@Component({a: 1}) class A { @Input() x!: string; @On("c", ["$event"]) on(e: Event) {} }'],
    ['satisfies', 'const c = { a: 1 } satisfies Record<string, number>;'],
    ['enums', 'enum E { A = 1, B = A << 1, C = "c" } const enum F { X } declare enum G { Y }'],
    ['abstract classes', 'abstract class S<T> { protected abstract m(): T; private readonly x = 1; static #y = 2; }'],
    ['overloads', 'function f(a: string): string; function f(a: number): number; function f(a: any) { return a; }'],
    ['template literals', 'const t = `a ${b + `c ${d}`} e`; const u = tag`x${y}`;'],
    ['async generators', 'async function* g() { for await (const x of y) yield* z(x); }'],
    ['optional chaining and logical assignment', 'a?.b?.[c]?.(d); const n = a ?? b; a ??= b; a ||= c; a &&= d;'],
    ['mapped types with key remapping', 'type M<T> = { readonly [K in keyof T as `get${Capitalize<string & K>}`]-?: () => T[K] };'],
    ['conditional types with infer', 'type C<T> = T extends [infer H, ...infer R] ? H : never;'],
    ['tuple and unique symbol types', 'let x: unique symbol; let y: readonly string[]; let z: [a: string, b?: number, ...c: boolean[]];'],
    ['parameter properties', 'class P { constructor(private readonly a: number, public b?: string) {} }'],
    ['type predicates and assertions', 'function a(v: unknown): asserts v is string {} function i(v: unknown): v is string { return true }'],
    ['type-only imports and exports', 'import type { A } from "a"; import { type B, C } from "b"; export type { D }; export * as ns from "e";'],
    ['namespaces and ambient modules', 'namespace N { export namespace M { export const x = 1; } } declare module "m" { export function f(): void; } declare global { interface Window { q: 1 } }'],
    ['labels', 'label: for (const a of b) { if (a) continue label; else break label; }'],
    ['accessors, override, declare fields', 'class G<T> { get v(): T { return this._v; } set v(x: T) { this._v = x; } accessor w = 1; override m() {} declare q: number; }'],
    ['bigint, regex, object literal forms', 'let big = 10n ** 2n; let r = /a[b-c]+/giu; let o = { ...a, [k]: v, m() {}, get g() { return 1; } };'],
    ['this parameters and rest', 'function f(this: Window, ...rest: number[]) {}'],
    ['assertions', 'let v = a as unknown as B; let w = <B>a; let nn = a!;'],
    ['variance on interfaces', 'interface A<in T, out U> { f(t: T): U }'],
    ['variance on classes', 'class C<in out T> { x!: T }'],
    ['variance on type aliases, with constraints', 'type F<out T> = () => T; interface I<in T extends object = {}, in out U extends string = "a"> {}'],
    ['a type parameter named out', 'interface Box<out> { v: out }'],
    ['using declarations', 'using res = open(); await using conn = connect();'],
    ['import require and export assignment', 'import x = require("y"); export = x;'],
    ['import types', 'let a: typeof import("./m"); let b: import("./m").T;'],
    ['static blocks and catch without binding', 'class K { static { init(); } } try { f() } catch { g() } finally { h() }'],
    ['non-ASCII identifiers and strings', 'const 名前 = "😀"; let café = 名前 + `é${名前}`;'],
  ];
  it.each(valid)('%s', (_name, source) => check(source, []));

  it.each([
    ['JSX with fragments, spreads and maps', 'const e = <div className="a" {...p}>{items.map(i => <Item key={i} />)}<></></div>;'],
    ['generic arrow functions in tsx', 'const f = <T,>(x: T) => <a href={x as string}>&nbsp;</a>;'],
  ])('%s (tsx)', (_name, source) => check(source, [], 'typescriptreact'));
});

describe('syntaxProblems on broken code', () => {
  it('an unexpected token', () => check('let x ⟦=⟧ ;', ['Syntax error: unexpected `=`']));
  it('a missing bracket is an empty range where it belongs', () => check('const a = [1, 2⟦⟧;', ['Syntax error: missing `]`']));
  it('a missing parenthesis', () => check('if (x⟦⟧ { y(); }', ['Syntax error: missing `)`']));
  it('a stray closing brace', () => check('class A { m() { } } ⟦}⟧', ['Syntax error: unexpected `}`']));
  it('one problem per mistake, nested errors not repeated', () =>
    check('⟦for (let i = 0; i < n i++) {}⟧', ['Syntax error: unexpected `for (let i = 0; i < n i++) {}`']));
  it('problems on several lines, in order', () =>
    check('let x = 1\nlet y ⟦=⟧ = 2;\nfoo(a ⟦b⟧);\nwhile (x)⟦⟧ ', ['Syntax error: unexpected `=`', 'Syntax error: unexpected `b`', 'Syntax error: missing `;`']));
  it('offsets are UTF-16 after non-ASCII text', () => check('let 中 = "😀" ⟦+⟧;', ['Syntax error: unexpected `+`']));
  it('long fragments are quoted by their first line, shortened', () =>
    check('let s = ⟦"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG⟧\nmore', ['Syntax error: unexpected `"abcdefghijklmnopqrstuvwxyz0123456789ABC…`']));
  it('only the variance shape is excused: other words before a type parameter are errors', () =>
    check('interface I<in T, zzz ⟦U⟧> {}', ['Syntax error: unexpected `U`']));
  it('variance on a function is an error, as in TypeScript', () => check('function f<in ⟦T⟧>() {}', ['Syntax error: unexpected `T`']));
  it('a missing named node is described by its kind', () => check('if (⟦⟧) {}', ['Syntax error: missing identifier']));
  it('nested errors inside one ERROR are one problem', () => check('a⟦(;\nb(;\nc(⟧;', ['Syntax error: unexpected `(;`']));
});
