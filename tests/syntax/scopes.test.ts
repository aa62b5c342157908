import fc from 'fast-check';
import type Parser from 'tree-sitter';
import { ancestorsOf } from '../../syntax/ancestry.js';
import { findActionScopes, type ActionScopes } from '../../syntax/scopes.js';
import { languageFor } from '../../syntax/language.js';
import { largeTypeScriptSource } from './large-source.js';

/** Each part of ActionScopes, with ranges shown as the text they cover. */
interface Expected {
  identifier?: [name: string, kind: string];
  statements?: [text: string, count: number];
  loop?: [kind: string, text: string];
  function?: [name: string | undefined, text: string];
  enclosingDeclaration?: string;
}

/** `input` marks a selection with ⟨ ⟩ or a cursor with $0; `expected` lists exactly the parts that must be found. */
function check(input: string, expected: Expected, languageId = 'typescriptreact'): void {
  const cursor = input.indexOf('$0');
  const text = input.replace('$0', '').replace('⟨', '').replace('⟩', '');
  const range = cursor >= 0 ? { start: cursor, end: cursor } : { start: input.indexOf('⟨'), end: input.indexOf('⟩') - 1 };
  const tree = languageFor(languageId)!.parser.parse(text);
  const scopes: ActionScopes = findActionScopes(tree, text, range);
  const slice = (r: { start: number; end: number }) => text.slice(r.start, r.end);
  const actual: Expected = {};
  if (scopes.identifier) {
    expect(slice(scopes.identifier.range)).toBe(scopes.identifier.name);
    actual.identifier = [scopes.identifier.name, scopes.identifier.bindingKind];
  }
  if (scopes.statements) actual.statements = [slice(scopes.statements.range), scopes.statements.count];
  if (scopes.loop) actual.loop = [scopes.loop.kind, slice(scopes.loop.range)];
  if (scopes.function) actual.function = [scopes.function.name, slice(scopes.function.range)];
  if (scopes.enclosingDeclaration) actual.enclosingDeclaration = slice(scopes.enclosingDeclaration.range);
  expect(actual).toEqual(expected);
}

const fn = 'function f(xs: number[]) {\n  for (const x of xs) {\n    console.log(x);\n  }\n}';

describe('findActionScopes', () => {
  it('a variable in a loop in a function', () =>
    check('function f(xs: number[]) {\n  for (const x of xs) {\n    console.log($0x);\n  }\n}', {
      identifier: ['x', 'variable'],
      loop: ['for_of', 'for (const x of xs) {\n    console.log(x);\n  }'],
      function: ['f', fn],
      enclosingDeclaration: fn,
    }));

  it('a global is not a local binding', () =>
    check('function f(xs: number[]) {\n  for (const x of xs) {\n    $0console.log(x);\n  }\n}', {
      loop: ['for_of', 'for (const x of xs) {\n    console.log(x);\n  }'],
      function: ['f', fn],
      enclosingDeclaration: fn,
    }));

  it('a property name is not a binding', () => check('const o = {a: 1}; o.$0a;', { enclosingDeclaration: 'o.a;' }));

  it('binding kinds', () => {
    check('function f($0p: number) {}', { identifier: ['p', 'parameter'], function: ['f', 'function f(p: number) {}'], enclosingDeclaration: 'function f(p: number) {}' });
    check('function $0g() {}', { identifier: ['g', 'function'], function: ['g', 'function g() {}'], enclosingDeclaration: 'function g() {}' });
    check('class C {} new $0C();', { identifier: ['C', 'class'], enclosingDeclaration: 'new C();' });
    check('import {a} from "m"; $0a;', { identifier: ['a', 'import'], enclosingDeclaration: 'a;' });
    check('type Id<T> = $0T;', { identifier: ['T', 'type-parameter'], enclosingDeclaration: 'type Id<T> = T;' });
    check('enum E { A, B = $0A }', { enclosingDeclaration: 'enum E { A, B = A }' });
    check('interface P {} class P {} let p: $0P;', { identifier: ['P', 'class'], enclosingDeclaration: 'let p: P;' });
  });

  it('a selection within one name', () => check('let ⟨name⟩ = 1;', { identifier: ['name', 'variable'], enclosingDeclaration: 'let name = 1;' }));

  it('whole statements, whitespace trimmed', () =>
    check('function f() {\n  a();⟨\n  b();\n  c();\n  ⟩d();\n}', {
      statements: ['b();\n  c();', 2],
      function: ['f', 'function f() {\n  a();\n  b();\n  c();\n  d();\n}'],
      enclosingDeclaration: 'function f() {\n  a();\n  b();\n  c();\n  d();\n}',
    }));

  it('comments between and after statements are allowed, not counted', () =>
    check('⟨a(); // one\nb(); /* two */⟩', { statements: ['a(); // one\nb(); /* two */', 2] }));

  it('a selection that cuts a statement gives no statements', () => {
    check('⟨a(); b⟩();', {});
    check('a(⟨); b();⟩', {});
    check('let x = ⟨1 + 2⟩;', { enclosingDeclaration: 'let x = 1 + 2;' });
  });

  it('a selected block with its braces is one statement of the list around it', () =>
    check('function f() { ⟨{ a(); }⟩ }', { statements: ['{ a(); }', 1], function: ['f', 'function f() { { a(); } }'], enclosingDeclaration: 'function f() { { a(); } }' }));

  it('the statements inside a block, without its braces', () =>
    check('if (c) { ⟨a(); b();⟩ }', { statements: ['a(); b();', 2], enclosingDeclaration: 'if (c) { a(); b(); }' }));

  it('the branch of an if is not a statement list', () => check('if (c) ⟨{ a(); }⟩', { enclosingDeclaration: 'if (c) { a(); }' }));

  it('statements of a switch case, not its label', () => {
    check('switch (k) { case 1: ⟨a(); b();⟩ }', { statements: ['a(); b();', 2], enclosingDeclaration: 'switch (k) { case 1: a(); b(); }' });
    check('switch (k) { ⟨case 1: a();⟩ }', { enclosingDeclaration: 'switch (k) { case 1: a(); }' });
  });

  it('top-level statements spanning two declarations', () =>
    check('⟨const a = 1;\nconst b = 2;⟩\n', { statements: ['const a = 1;\nconst b = 2;', 2] }));

  it('loop kinds', () => {
    check('for (let i = 0; i < 1; i++) { $0 }', { loop: ['for', 'for (let i = 0; i < 1; i++) {  }'], enclosingDeclaration: 'for (let i = 0; i < 1; i++) {  }' });
    check('for (const k in o) { $0 }', { loop: ['for_in', 'for (const k in o) {  }'], enclosingDeclaration: 'for (const k in o) {  }' });
    check('while (c) { $0 }', { loop: ['while', 'while (c) {  }'], enclosingDeclaration: 'while (c) {  }' });
    check('do { $0 } while (c);', { loop: ['do', 'do {  } while (c);'], enclosingDeclaration: 'do {  } while (c);' });
  });

  it('the innermost loop, also when the loop itself is selected', () => {
    check('while (a) { while (b) { $0 } }', { loop: ['while', 'while (b) {  }'], enclosingDeclaration: 'while (a) { while (b) {  } }' });
    check('while (a) { ⟨while (b) {}⟩ }', { statements: ['while (b) {}', 1], loop: ['while', 'while (b) {}'], enclosingDeclaration: 'while (a) { while (b) {} }' });
  });

  it('function names: declared, assigned, methods, anonymous', () => {
    check('const g = (a) => { $0 };', { function: ['g', '(a) => {  }'], enclosingDeclaration: 'const g = (a) => {  };' });
    check('class K { m() { $0 } }', { function: ['m', 'm() {  }'], enclosingDeclaration: 'class K { m() {  } }' });
    check('xs.forEach(function () { $0 });', { function: [undefined, 'function () {  }'], enclosingDeclaration: 'xs.forEach(function () {  });' });
    check('const o = { h: () => { $0 } };', { function: ['h', '() => {  }'], enclosingDeclaration: 'const o = { h: () => {  } };' });
  });

  it('an arrow inside a method: the innermost function', () =>
    check('class K { m() { return xs.map(x => $0x); } }', {
      identifier: ['x', 'parameter'],
      function: [undefined, 'x => x'],
      enclosingDeclaration: 'class K { m() { return xs.map(x => x); } }',
    }));

  it('offsets after non-ASCII text are UTF-16', () =>
    check('const s = "😀中";\nlet 名前 = 1; ⟨名前 = 2;⟩', { statements: ['名前 = 2;', 1], enclosingDeclaration: '名前 = 2;' }));
});

describe('ancestorsOf', () => {
  it('is the chain from the root to descendantForIndex, for any range', () => {
    const text = largeTypeScriptSource(300) + '\nlet broken = (1 + ;\nconst s = "😀"; f(s, ';
    const tree = languageFor('typescript')!.parser.parse(text);
    fc.assert(
      fc.property(fc.nat({ max: text.length }), fc.nat({ max: 40 }), (start, width) => {
        const end = Math.min(text.length, start + width);
        const chain: string[] = [];
        for (let n: Parser.SyntaxNode | null = tree.rootNode.descendantForIndex(start, end); n; n = n.parent) chain.unshift(`${n.type} ${n.startIndex}-${n.endIndex}`);
        expect(ancestorsOf(tree, start, end).map(a => `${a.type} ${a.start}-${a.end}`)).toEqual(chain);
      }),
      { numRuns: 300 },
    );
  });
});

describe('broken code never throws', () => {
  // Truncating valid code anywhere gives every kind of broken tree, including an ERROR root.
  const source = largeTypeScriptSource(60);
  test('findActionScopes and renameBinding answer at every position of truncated code', async () => {
    const { renameBinding } = await import('../../drafters/structural/rename.js');
    const { parser } = languageFor('typescript')!;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: source.length }), fc.integer({ min: 0, max: 400 }), (cut, at) => {
        const text = source.slice(0, cut);
        const tree = parser.parse(text);
        const offset = Math.min(at * 7, text.length);
        const scopes = findActionScopes(tree, text, { start: offset, end: offset });
        if (scopes.identifier) renameBinding(tree, text, scopes.identifier.range.start, 'renamedName');
      }),
      { numRuns: 300 },
    );
  });
  test('an ERROR root is the module scope', () => {
    const text = 'export function total(order: number) { return order; }\nexport class A {\n  f() {\n    const x = 1;\n';
    const tree = languageFor('typescript')!.parser.parse(text);
    expect(tree.rootNode.type).toBe('ERROR');
    expect(findActionScopes(tree, text, { start: 18, end: 18 }).identifier).toMatchObject({ name: 'total', bindingKind: 'function' });
  });
});
