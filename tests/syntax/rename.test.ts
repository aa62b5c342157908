import { applyReplacements } from '../../protocol/text.js';
import { isValidIdentifier, renameBinding } from '../../drafters/structural/rename.js';
import { syntaxProblems } from '../../syntax/diagnostics.js';
import { languageFor } from '../../syntax/language.js';
import { largeTypeScriptSource } from './large-source.js';

function parse(text: string, languageId: string) {
  return languageFor(languageId)!.parser.parse(text);
}

/** `$0` marks the cursor in `input`; `expected` is the whole source after renaming that binding to `newName`. */
function check(input: string, expected: string, newName = 'renamed', languageId = 'typescriptreact'): void {
  const offset = input.indexOf('$0');
  const text = input.replace('$0', '');
  const result = renameBinding(parse(text, languageId), text, offset, newName);
  if (!result.ok) throw new Error(`rename refused: ${result.reason}`);
  expect(applyReplacements(text, result.replacements)).toBe(expected);
  // A rename never breaks the syntax of code that was valid.
  if (syntaxProblems(parse(text, languageId)).length === 0) expect(syntaxProblems(parse(expected, languageId))).toEqual([]);
}

/**
 * `$0` marks the cursor; the rename to `newName` must be refused with a reason matching `reason`
 * (members are marked `needsTypes`: the workspace rename asks TypeScript for them, tests/engine/member-rename.test.ts).
 */
function checkRefused(input: string, newName: string, reason: RegExp, languageId = 'typescriptreact'): void {
  const offset = input.indexOf('$0');
  const text = input.replace('$0', '');
  const result = renameBinding(parse(text, languageId), text, offset, newName);
  const { needsTypes: _, ...refusal } = result as { needsTypes?: true };
  expect(refusal).toEqual({ ok: false, reason: expect.stringMatching(reason) });
}

describe('renameBinding renames one binding', () => {
  const cases: [string, string, string, string?, string?][] = [
    ['a local variable and its uses', 'let $0x = 1; x = x + 1;', 'let renamed = 1; renamed = renamed + 1;'],
    ['from a reference, cursor just after the name', 'let x = 1; f(x$0);', 'let renamed = 1; f(renamed);'],
    ['a type in the constraint of an `infer`', 'type $0Fn = () => void; type A<e> = e extends infer n extends Fn ? n : Fn;', 'type renamed = () => void; type A<e> = e extends infer n extends renamed ? n : renamed;'],
    ['not a tuple member label of the same name', 'function f(...args: [x?: string, y: number]) { const $0x = args[1]; return x; }', 'function f(...args: [x?: string, y: number]) { const renamed = args[1]; return renamed; }'],
    ['not a longer name that contains it', 'let $0x = 1; let xs = [x]; x2;', 'let renamed = 1; let xs = [renamed]; x2;'],
    ['the outer binding, not an inner block shadow', 'let $0x = 1; { let x = 2; x; } x;', 'let renamed = 1; { let x = 2; x; } renamed;'],
    ['the inner shadow only', 'let x = 1; { let $0x = 2; x; } x;', 'let x = 1; { let renamed = 2; renamed; } x;'],
    ['not a parameter of the same name in an inner function', 'const $0v = 1; function f(v) { return v; } f(v);', 'const renamed = 1; function f(v) { return v; } f(renamed);'],
    ['a hoisted var used before and outside its block', 'function f() { x = 2; if (c) { var $0x = 1; } return x; }', 'function f() { renamed = 2; if (c) { var renamed = 1; } return renamed; }'],
    ['a function declaration used before it', 'run(); function $0run() { run(); }', 'renamed(); function renamed() { renamed(); }'],
    ['parameters, including in default values', 'function f($0a, b = a) { return a + b; }', 'function f(renamed, b = renamed) { return renamed + b; }'],
    ['a destructured parameter keeps its property', 'function f({$0a, b}) { return a + b; }', 'function f({a: renamed, b}) { return renamed + b; }'],
    ['a destructured default keeps its property', 'const {$0a = 1} = o; a;', 'const {a: renamed = 1} = o; renamed;'],
    ['a renamed destructuring target, not its key', 'const {a: $0b} = o; b;', 'const {a: renamed} = o; renamed;'],
    ['nested array and rest patterns', 'const [first, [...$0rest]] = xs; rest.length;', 'const [first, [...renamed]] = xs; renamed.length;'],
    ['a shorthand property keeps its key', 'const $0x = 1; const o = {x, y: x};', 'const renamed = 1; const o = {x: renamed, y: renamed};'],
    ['a shorthand destructuring assignment', 'let $0x; ({x} = o);', 'let renamed; ({x: renamed} = o);'],
    ['not object keys or member names', 'const $0x = 1; const o = {x: x}; o.x; o?.x; o[x];', 'const renamed = 1; const o = {x: renamed}; o.x; o?.x; o[renamed];'],
    ['not strings, template text or comments, but ${} inside templates', 'const $0x = 1; // x\nconst s = "x" + `x ${x} x`; /* x */', 'const renamed = 1; // x\nconst s = "x" + `x ${renamed} x`; /* x */'],
    ['not this.x or #x', 'class A { x = 1; #x = 2; m() { const $0x = 3; return this.x + this.#x + x; } }', 'class A { x = 1; #x = 2; m() { const renamed = 3; return this.x + this.#x + renamed; } }'],
    ['a computed key', 'const $0k = "a"; const o = {[k]: 1};', 'const renamed = "a"; const o = {[renamed]: 1};'],
    ['JSX tags and expressions', 'const $0Item = () => null;\nconst e = <Item a={Item}><Item.Part /></Item>;', 'const Row = () => null;\nconst e = <Row a={Row}><Row.Part /></Row>;', 'Row'],
    ['a lower-case name is fine for a JSX member tag', 'const $0UI = {Box: () => null}; <UI.Box />;', 'const ui = {Box: () => null}; <ui.Box />;', 'ui'],
    ['not a lower-case JSX tag, which is an HTML element', 'const $0div = 1; const e = <div>{div}</div>;', 'const renamed = 1; const e = <div>{renamed}</div>;'],
    ['a value, not the type of the same name', 'const $0T = 1; type T = string; let v: T = T;', 'const renamed = 1; type T = string; let v: T = renamed;'],
    ['a type, not the value of the same name', 'const T = 1; type $0T = string; let v: T = T;', 'const T = 1; type renamed = string; let v: renamed = T;', 'renamed', 'typescript'],
    ['a class as value and type', 'class $0Box {} let b: Box = new Box(); const B = Box;', 'class Crate {} let b: Crate = new Crate(); const B = Crate;', 'Crate'],
    ['an interface merged with a class', 'interface $0P { a: number } class P {} let p: P;', 'interface Q { a: number } class Q {} let p: Q;', 'Q'],
    ['a type parameter', 'function id<$0T>(x: T): T { return x as T; } type T = 1;', 'function id<U>(x: U): U { return x as U; } type T = 1;', 'U', 'typescript'],
    ['a variance-annotated type parameter', 'interface A<in $0T, out U> { f(t: T): U }', 'interface A<in V, out U> { f(t: V): U }', 'V', 'typescript'],
    ['a mapped type key and an infer variable', 'type M<T> = { [$0K in keyof T]: T[K] };', 'type M<T> = { [P in keyof T]: T[P] };', 'P'],
    ['labels are left alone', 'let $0x = 1; x: for (;;) { break x; } x;', 'let renamed = 1; x: for (;;) { break x; } renamed;'],
    ['a catch parameter', 'try {} catch ($0e) { log(e); } e;', 'try {} catch (renamed) { log(renamed); } e;'],
    ['a for-loop variable, not the next loop\'s', 'for (let $0i = 0; i < 3; i++) f(i); for (let i = 0; ;) i;', 'for (let renamed = 0; renamed < 3; renamed++) f(renamed); for (let i = 0; ;) i;'],
    ['a for-of variable', 'for (const $0x of xs) use(x);', 'for (const renamed of xs) use(renamed);'],
    ['an arrow parameter', 'xs.map($0x => x * 2); x;', 'xs.map(renamed => renamed * 2); x;'],
    ['a named function expression, inside only', 'const f = function $0g() { return g; }; g;', 'const f = function renamed() { return renamed; }; g;'],
    ['an import keeps the imported name', 'import {$0a, b as c} from "m"; a(c);', 'import {a as renamed, b as c} from "m"; renamed(c);'],
    ['an import alias', 'import {b as $0c} from "m"; c();', 'import {b as renamed} from "m"; renamed();'],
    ['a default and a namespace import', 'import $0d, * as ns from "m"; d(ns);', 'import renamed, * as ns from "m"; renamed(ns);'],
    ['an export specifier keeps the exported name', 'const $0a = 1; export {a}; export {a as b};', 'const renamed = 1; export {renamed as a}; export {renamed as b};'],
    ['an enum, as value and type', 'enum $0Color { Red } let c: Color = Color.Red;', 'enum Hue { Red } let c: Hue = Hue.Red;', 'Hue'],
    ['a namespace', 'namespace $0N { export const x = 1; } N.x; let t: N.T;', 'namespace NS { export const x = 1; } NS.x; let t: NS.T;', 'NS'],
    ['not the parameter names of function types and signatures', 'let $0x = 1; type F = (x: number) => void; interface I { m(x: string): void; [x: string]: any } x;', 'let renamed = 1; type F = (x: number) => void; interface I { m(x: string): void; [x: string]: any } renamed;', 'renamed', 'typescript'],
    ['not a method of the same name', 'const $0x = 1; const o = { x() { return x; }, get x2() { return x; } };', 'const renamed = 1; const o = { x() { return renamed; }, get x2() { return renamed; } };'],
    ['a destructured for-of variable', 'for (const {$0a, b: [c]} of xs) f(a, c);', 'for (const {a: renamed, b: [c]} of xs) f(renamed, c);'],
    ['a value used in typeof', 'const $0cfg = {}; type C = typeof cfg;', 'const renamed = {}; type C = typeof renamed;'],
    ['a decorator', 'function $0dec(t: any) {} @dec class A { @dec m() {} }', 'function renamed(t: any) {} @renamed class A { @renamed m() {} }'],
    ['all overloads', 'function $0f(a: string): void; function f(a: any) {} f("");', 'function renamed(a: string): void; function renamed(a: any) {} renamed("");'],
    ['a parameter in a type predicate', 'function isS($0v: unknown): v is string { return typeof v === "string"; }', 'function isS(renamed: unknown): renamed is string { return typeof renamed === "string"; }'],
    ['an enum member reference inside its enum is not the outer binding', 'const $0A = 0; enum E { A = 1, B = A }', 'const renamed = 0; enum E { A = 1, B = A }'],
    ['non-ASCII names and UTF-16 offsets', 'const s = "😀"; const $0名前 = 1; 名前 + "名前";', 'const s = "😀"; const 新しい = 1; 新しい + "名前";', '新しい'],
    ['using declarations', 'function f() { using $0r = open(); r.read(); }', 'function f() { using renamed = open(); renamed.read(); }'],
    ['a class expression name, inside only', 'const K = class $0C { m() { return C; } };', 'const K = class renamed { m() { return renamed; } };'],
    ['a var redeclared in the same function', 'function f() { var $0a = 1; var a = 2; return a; }', 'function f() { var renamed = 1; var renamed = 2; return renamed; }'],
    ['a binding in a switch case', 'switch (k) { case 1: let $0z = 2; f(z); }', 'switch (k) { case 1: let renamed = 2; f(renamed); }'],
    ['nothing to do when the name stays', 'let $0x = 1; x;', 'let x = 1; x;', 'x'],
    ['a name used only in a sibling scope is free', '{ let $0x = 1; x; } { let y = 2; y; }', '{ let y = 1; y; } { let y = 2; y; }', 'y'],
    ['a name declared in an inner scope that holds no use is free', 'let $0x = 1; x; function g() { let y; }', 'let y = 1; y; function g() { let y; }', 'y'],
    ['a property of the new name is no conflict', 'let $0x = 1; o.y = x; ({y: x});', 'let y = 1; o.y = y; ({y: y});', 'y'],
    ['JavaScript with JSX', 'function $0List({items}) { return <ul>{items.map(i => <li>{i}</li>)}</ul>; }\nexport default () => <List items={[]} />;', 'function Items({items}) { return <ul>{items.map(i => <li>{i}</li>)}</ul>; }\nexport default () => <Items items={[]} />;', 'Items', 'javascript'],
    ['code with syntax errors elsewhere', 'let $0x = 1;\nfunction broken( {\nx;', 'let renamed = 1;\nfunction broken( {\nrenamed;'],
  ];
  // Rows have the same length for jest, which would otherwise pass its `done` callback as a missing argument.
  const rows = cases.map(([name, input, expected, newName = 'renamed', languageId = 'typescriptreact']) => [name, input, expected, newName, languageId]);
  it.each(rows)('%s', (_name, input, expected, newName, languageId) => check(input, expected, newName, languageId));
});

describe('renameBinding refuses', () => {
  const refusals: [string, string, string, RegExp][] = [
    ['a new name that is not an identifier', 'let $0x;', '1x', /not an identifier/],
    ['a reserved word', 'let $0x;', 'class', /reserved word/],
    ['a strict-mode restricted name', 'let $0x;', 'arguments', /cannot declare `arguments`/],
    ['a built-in type name for a type', 'type $0T = 1;', 'string', /built-in type name/],
    ['a name already declared in the scope', 'let $0x = 1; let y = 2;', 'y', /`y` is already declared in the same scope \(line 1\)/],
    ['a name an inner scope declares around a reference (captured)', 'let $0x = 1;\nfunction f() { let y = 2; return x; }', 'y', /the `x` on line 2 would then mean the `y` declared on line 2/],
    ['a name that would capture an outer reference', 'let y = 1;\nfunction f() { let $0x = 2; return x + y; }', 'y', /existing reference to `y` on line 2/],
    ['a name that would capture a global', 'function f() { let $0x = 1; console.log(x); }', 'console', /existing reference to `console`/],
    ['a var declared in the same function', 'function f() { let $0x; { var y; } }', 'y', /`y` is already declared in the same scope/],
    ['a var hoisted out of the scope through it', 'function f() { { let $0x; { var y; } } }', 'y', /existing declaration of `y`/],
    ['a lower-case name for a JSX component', 'const $0Item = () => null; <Item />;', 'item', /HTML element/],
    ['a lower-case name for a JSX closing tag', 'const $0Item = () => null; <Item></Item>;', 'item', /HTML element/],
    ['a property name', 'o.$0x = 1;', 'y', /property name/],
    ['the imported side of an import alias', 'import {$0a as b} from "m"; b();', 'c', /another module's name/],
    ['a global', '$0console.log(1);', 'y', /not declared in this file/],
    ['a label', '$0outer: for (;;) { break outer; }', 'y', /labels are not renamed/],
    ['a parameter property', 'class A { constructor(private $0x: number) {} m() { return this.x; } }', 'y', /parameter property/],
    ['a readonly parameter property', 'class A { constructor(readonly $0x: number) {} }', 'y', /parameter property/],
    ['an enum member', 'enum E { $0A = 1, B = A }', 'Z', /enum member/],
    ['whitespace', 'let x = 1; $0 ', 'y', /no variable, function, class or type name/],
    ['an export of a value and a type of one name', 'const $0A = 1; type A = number; export {A};', 'B', /value and a type/],
  ];
  it.each(refusals)('%s', (_name, input, newName, reason) => checkRefused(input, newName, reason));
});

describe('renameBinding reports', () => {
  it('the declaration, the reference count, the kind and whether exports change', () => {
    const text = 'export function area(r: number) { return r * r; }\narea(2); area(3);';
    const result = renameBinding(parse(text, 'typescript'), text, text.lastIndexOf('area'), 'surface');
    expect(result).toMatchObject({ ok: true, declaration: { start: 16, end: 20 }, references: 2, kind: 'function', changesExports: true });
  });

  it('a default export does not change export names', () => {
    const text = 'export default function area() {}\narea();';
    expect(renameBinding(parse(text, 'typescript'), text, 25, 'surface')).toMatchObject({ ok: true, changesExports: false });
  });
});

describe('isValidIdentifier', () => {
  it.each([['x', true], ['_a1', true], ['$', true], ['名前', true], ['café', true], ['1a', false], ['a-b', false], ['', false], ['let', false], ['await', false], ['null', false], ['a b', false]])(
    '%s → %s',
    (name, valid) => expect(isValidIdentifier(name as string)).toBe(valid),
  );
});

describe('renameBinding on a realistic file', () => {
  /**
   * Every binding name in ~250 lines of varied code: a rename to a fresh name
   * keeps the file free of syntax errors, and renaming back restores the file
   * byte for byte (where the rename did not have to keep a property or an
   * imported name, as in `{x: fresh}` or `import {x as fresh}`).
   */
  it('round-trips every binding', () => {
    const text = largeTypeScriptSource(250);
    const tree = parse(text, 'typescript');
    const names = new Set<string>();
    let renamed = 0;
    for (const match of text.matchAll(/[A-Za-z_$][\w$]*/g)) {
      const result = renameBinding(tree, text, match.index!, 'fresh_name');
      if (!result.ok) continue;
      names.add(match[0]);
      renamed++;
      const after = applyReplacements(text, result.replacements);
      const afterTree = parse(after, 'typescript');
      expect(syntaxProblems(afterTree)).toEqual([]);
      const back = renameBinding(afterTree, after, after.indexOf('fresh_name'), match[0]);
      if (!back.ok) throw new Error(`renaming back \`${match[0]}\` refused: ${back.reason}`);
      const restored = applyReplacements(after, back.replacements);
      if (result.replacements.every(r => r.newText === 'fresh_name')) expect(restored).toBe(text);
      else expect(syntaxProblems(parse(restored, 'typescript'))).toEqual([]);
    }
    // Locals, parameters, classes, enums, interfaces, imports were all exercised.
    expect(renamed).toBeGreaterThan(200);
    for (const name of ['total', 'items', 'Repository1', 'Status3', 'Options2', 'readFileSync', 'attempt', 'T', 'label']) expect(names).toContain(name);
  });
});

describe('renameBinding finds declarations that text alone could hide', () => {
  it.each([
    ['after a line comment ending in a period', 'const {\n  a, // first.\n  $0b,\n} = o;\nb;', 'const {\n  a, // first.\n  b: renamed,\n} = o;\nrenamed;'],
    ['after a block comment', 'function f(/* the value. */ $0x) { return x; }', 'function f(/* the value. */ renamed) { return renamed; }'],
    ['a function name on its own line', 'function\n$0g() {}\ng();', 'function\nrenamed() {}\nrenamed();'],
    ['a generator name after *', 'function* $0gen() {}\ngen();', 'function* renamed() {}\nrenamed();'],
    ['a namespace split by a dot', 'namespace $0A.B { }\nA.B;', 'namespace renamed.B { }\nrenamed.B;'],
  ])('%s', (_name, input, expected) => {
    // Resolve from the last use: the declaration must be found from there.
    const cursor = input.indexOf('$0');
    const text = input.replace('$0', '');
    const name = /[\w$]+/.exec(text.slice(cursor))![0];
    check(`${text.slice(0, text.lastIndexOf(name))}$0${text.slice(text.lastIndexOf(name))}`, expected);
  });
});
