/**
 * Oracle rewrites for the optimizeLoop and instruction examples of gen-edits.ts. Each takes a node
 * of a parsed file and returns the edited text of the example's scope (the loop, or the function),
 * or null when the rewrite is not safe by its rules. Pure and deterministic: the generator picks
 * what to rewrite and how to phrase it, this module only rewrites and checks.
 *
 * Text is spliced, never printed, so the edited scope keeps the original's formatting and comments
 * and differs from it only where the rewrite changes code: the models learn to copy the rest.
 */
import ts from 'typescript';

interface Splice {
  start: number;
  end: number;
  text: string;
}

/** `text` (which starts at file offset `base`) with the splices applied; splices do not overlap. */
function applySplices(text: string, base: number, splices: readonly Splice[]): string {
  let out = text;
  for (const s of [...splices].sort((a, b) => b.start - a.start)) out = out.slice(0, s.start - base) + s.text + out.slice(s.end - base);
  return out;
}

function descendants(node: ts.Node, visit: (n: ts.Node) => boolean | void): void {
  const walk = (n: ts.Node): void => {
    if (visit(n) === false) return;
    ts.forEachChild(n, walk);
  };
  ts.forEachChild(node, walk);
}

/** An identifier that names a property (`a.name`, `{ name: 1 }`, `name() {}`) rather than a binding. */
function isPropertyName(id: ts.Identifier): boolean {
  const p = id.parent;
  return (
    (ts.isPropertyAccessExpression(p) && p.name === id) ||
    ((ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isGetAccessor(p) || ts.isSetAccessor(p) || ts.isPropertySignature(p) || ts.isMethodSignature(p)) && p.name === id) ||
    (ts.isQualifiedName(p) && p.right === id)
  );
}

/** True when `node` is assigned, updated, deleted, or a destructuring/for-in/for-of target. */
export function isWriteTarget(node: ts.Node): boolean {
  let cur: ts.Node = node;
  for (let p = node.parent; p; cur = p, p = p.parent) {
    if (ts.isParenthesizedExpression(p) || ts.isNonNullExpression(p) || ts.isAsExpression(p) || ts.isTypeAssertionExpression(p) || ts.isSatisfiesExpression(p)) continue;
    if (ts.isBinaryExpression(p)) return p.left === cur && p.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && p.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
    if (ts.isPrefixUnaryExpression(p) || ts.isPostfixUnaryExpression(p)) return p.operator === ts.SyntaxKind.PlusPlusToken || p.operator === ts.SyntaxKind.MinusMinusToken;
    if (ts.isDeleteExpression(p)) return true;
    if (ts.isForInStatement(p) || ts.isForOfStatement(p)) return p.initializer === cur;
    // Possibly inside a destructuring assignment: decided by what the literal belongs to.
    if (ts.isArrayLiteralExpression(p) || ts.isObjectLiteralExpression(p) || ts.isSpreadElement(p) || ts.isSpreadAssignment(p) || ts.isShorthandPropertyAssignment(p)) continue;
    if (ts.isPropertyAssignment(p) && p.initializer === cur) continue;
    return false;
  }
  return false;
}

/** `let`, `const`, `using`... of a declaration list (NodeFlags.Let, Const, Using or AwaitUsing; 0 for var). */
const declarationKind = (list: ts.VariableDeclarationList): number => list.flags & ts.NodeFlags.BlockScoped;

/** A name usable for a new variable: an identifier that is no keyword, contextual ones included. */
export function isPlainIdentifier(name: string): boolean {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, true, ts.LanguageVariant.Standard, name);
  return scanner.scan() === ts.SyntaxKind.Identifier && scanner.getTokenEnd() === name.length && !['arguments', 'eval', 'undefined', 'NaN', 'Infinity'].includes(name);
}

/** Refuses code whose bindings static analysis cannot see. */
function hasDynamicScope(node: ts.Node): boolean {
  let found = false;
  descendants(node, (n) => {
    if (ts.isWithStatement(n) || (ts.isIdentifier(n) && n.text === 'eval' && !isPropertyName(n))) found = true;
    return !found;
  });
  return found;
}

// ---------------------------------------------------------------------------------------------
// optimizeLoop: `for (let i = 0; i < arr.length; i++) { ... arr[i] ... }` -> `for (const item of arr)`

/** `a`, `this.a`, `a.b.c` as a list of names ('this' for `this`); null for any other expression. */
function pathOf(e: ts.Expression): string[] | null {
  if (ts.isIdentifier(e)) return [e.text];
  if (e.kind === ts.SyntaxKind.ThisKeyword) return ['this'];
  if (ts.isPropertyAccessExpression(e) && !e.questionDotToken) {
    const head = pathOf(e.expression);
    return head && head.length < 4 ? [...head, e.name.text] : null;
  }
  return null;
}

const samePath = (e: ts.Expression, path: readonly string[]): boolean => pathOf(e)?.join('.') === path.join('.');
const isIdentifierNamed = (e: ts.Node | undefined, name: string): boolean => !!e && ts.isIdentifier(e) && e.text === name;

interface IndexedLoop {
  index: string;
  array: ts.Expression;
  path: string[];
  /** `n` in `for (let i = 0, n = arr.length; i < n; i++)`. */
  lengthVar?: string;
}

function indexedLoop(loop: ts.ForStatement): IndexedLoop | null {
  const init = loop.initializer;
  if (!init || !ts.isVariableDeclarationList(init) || declarationKind(init) !== ts.NodeFlags.Let || init.declarations.length > 2) return null;
  const [decl, lengthDecl] = init.declarations;
  if (!ts.isIdentifier(decl.name) || !decl.initializer || !ts.isNumericLiteral(decl.initializer) || decl.initializer.text !== '0') return null;
  const index = decl.name.text;
  const cond = loop.condition;
  if (!cond || !ts.isBinaryExpression(cond) || cond.operatorToken.kind !== ts.SyntaxKind.LessThanToken || !isIdentifierNamed(cond.left, index)) return null;
  let lengthRead: ts.Expression = cond.right;
  let lengthVar: string | undefined;
  if (lengthDecl) {
    if (!ts.isIdentifier(lengthDecl.name) || !lengthDecl.initializer || !isIdentifierNamed(cond.right, lengthDecl.name.text)) return null;
    lengthVar = lengthDecl.name.text;
    lengthRead = lengthDecl.initializer;
  }
  if (!ts.isPropertyAccessExpression(lengthRead) || lengthRead.questionDotToken || lengthRead.name.text !== 'length') return null;
  const array = lengthRead.expression;
  const path = pathOf(array);
  if (!path || path.includes(index) || (lengthVar && path.includes(lengthVar)) || !isIncrement(loop.incrementor, index)) return null;
  return { index, array, path, lengthVar };
}

function isIncrement(e: ts.Expression | undefined, index: string): boolean {
  if (!e) return false;
  if ((ts.isPostfixUnaryExpression(e) || ts.isPrefixUnaryExpression(e)) && e.operator === ts.SyntaxKind.PlusPlusToken) return isIdentifierNamed(e.operand, index);
  if (!ts.isBinaryExpression(e) || !isIdentifierNamed(e.left, index)) return false;
  const one = (x: ts.Expression) => ts.isNumericLiteral(x) && x.text === '1';
  if (e.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken) return one(e.right);
  const r = e.right;
  return e.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isBinaryExpression(r) && r.operatorToken.kind === ts.SyntaxKind.PlusToken && isIdentifierNamed(r.left, index) && one(r.right);
}

/** Arrays of characters iterate by code point under for-of, by UTF-16 unit when indexed: skip strings. */
const STRING_NAMES = /^(s|str|string|text|source|src|input|line|chars|name|path|code|content|value|key|word|pattern|query|url|template|body|html|css|json|data|buf|buffer)$|(Str|String|Text|Name|Path|Line|Source|Src|Code)$/;

function isStringTyped(checker: ts.TypeChecker | undefined, e: ts.Expression): boolean {
  if (!checker) return false;
  const type = checker.getTypeAtLocation(e);
  const parts = type.isUnion() ? type.types : [type];
  return parts.some((t) => (t.flags & ts.TypeFlags.StringLike) !== 0);
}

/** `items` -> `item`, `entries` -> `entry`, `childNodes` -> `childNode`, `nodeList` -> `node`; null when not a plural. */
export function singular(word: string): string | null {
  const w = word.replace(/^[_$#]+/, '');
  const list = /^(.+)(List|Array|Arr)$/.exec(w);
  if (list) return list[1];
  if (/children$/i.test(w)) return w.slice(0, -3);
  if (/indices$/i.test(w)) return w.slice(0, -4) + 'ex';
  if (/[^aeiou]ies$/.test(w)) return w.slice(0, -3) + 'y';
  if (/(x|ch|sh|ss|zz)es$/.test(w)) return w.slice(0, -2);
  if (/[^su]s$/.test(w) && !/(ss|us|is)$/.test(w) && w.length > 2) return w.slice(0, -1);
  return null;
}

function scopeNames(node: ts.Node): Set<string> {
  let scope: ts.Node = node;
  while (scope.parent && !ts.isFunctionLike(scope)) scope = scope.parent;
  const names = new Set<string>();
  descendants(scope, (n) => {
    if (ts.isIdentifier(n)) names.add(n.text);
  });
  return names;
}

/**
 * The loop as a for-of loop, or null. Rules: `let i = 0` (optionally `, n = arr.length` with
 * `i < n`), `i < arr.length`, `i++`; `arr` a plain path (`a`, `this.a`, `a.b`); in the body `i` (and
 * `n`) appear only as `arr[i]` reads outside closures, never written; `arr` and its prefixes
 * are not written and `arr` is used only as `arr[i]` or `arr.length`; `arr` does not look like a
 * string. The element is named by a leading `const x = arr[i];` (dropped; `let x` gives
 * `for (let x of arr)`), else the singular of the array's name, else `element`, avoiding every
 * name of the enclosing function.
 */
export function rewriteIndexedLoop(sf: ts.SourceFile, loop: ts.ForStatement, checker?: ts.TypeChecker): string | null {
  const header = indexedLoop(loop);
  if (!header) return null;
  const { index, array, path, lengthVar } = header;
  if (STRING_NAMES.test(path[path.length - 1]) || isStringTyped(checker, array) || hasDynamicScope(loop)) return null;
  const reads: ts.ElementAccessExpression[] = [];
  let ok = true;
  const visit = (n: ts.Node, inClosure: boolean): void => {
    if (!ok) return;
    if (ts.isElementAccessExpression(n) && isIdentifierNamed(n.argumentExpression, index) && samePath(n.expression, path)) {
      if (inClosure || n.questionDotToken || isWriteTarget(n)) ok = false;
      else reads.push(n);
      return;
    }
    const propertyName = ts.isIdentifier(n) && isPropertyName(n);
    if (ts.isIdentifier(n) && !propertyName && (n.text === index || n.text === lengthVar)) ok = false;
    else if (!propertyName && pathOf(n as ts.Expression) && isArrayPathUse(n as ts.Expression, path)) ok = false;
    else ts.forEachChild(n, (c) => visit(c, inClosure || ts.isFunctionLike(n) || ts.isClassLike(n)));
  };
  visit(loop.statement, false);
  if (!ok || reads.length === 0) return null;

  const binding = elementBinding(loop, reads, path[path.length - 1]);
  if (!binding) return null;
  const { keyword, name, dropped } = binding;

  const text = sf.text;
  const start = loop.getStart(sf);
  const openParen = loop.getChildren(sf).find((c) => c.kind === ts.SyntaxKind.OpenParenToken)!;
  const closeParen = loop.getChildren(sf).find((c) => c.kind === ts.SyntaxKind.CloseParenToken)!;
  const splices: Splice[] = [{ start: openParen.getStart(sf), end: closeParen.getEnd(), text: `(${keyword} ${name} of ${array.getText(sf)})` }];
  for (const r of reads) if (!dropped || !(r.pos >= dropped.pos && r.end <= dropped.end)) splices.push({ start: r.getStart(sf), end: r.getEnd(), text: name });
  if (dropped) splices.push(lineOf(text, dropped.getStart(sf), dropped.getEnd()));
  return applySplices(text.slice(start, loop.getEnd()), start, splices);
}

/** How the for-of loop names the element: a leading `const x = arr[i];` (dropped), else a new name. */
function elementBinding(loop: ts.ForStatement, reads: readonly ts.Expression[], arrayName: string): { keyword: string; name: string; dropped?: ts.Statement } | null {
  const body = loop.statement;
  const first = ts.isBlock(body) && body.statements.length > 1 ? body.statements[0] : undefined;
  if (first && ts.isVariableStatement(first) && [ts.NodeFlags.Const, ts.NodeFlags.Let].includes(declarationKind(first.declarationList))) {
    const [d, ...more] = first.declarationList.declarations;
    if (more.length === 0 && ts.isIdentifier(d.name) && !d.type && d.initializer && reads.includes(d.initializer) && !declaredElsewhere(body, d.name)) {
      // `let x = arr[i]` stays `let`: a for-of variable is fresh in each iteration, like the block's was.
      return { keyword: declarationKind(first.declarationList) === ts.NodeFlags.Let ? 'let' : 'const', name: d.name.text, dropped: first };
    }
  }
  const taken = scopeNames(loop);
  const name = [singular(arrayName), 'element', 'item', 'elem'].find((c): c is string => !!c && isPlainIdentifier(c) && !taken.has(c));
  return name ? { keyword: 'const', name } : null;
}

/** True when `name` is declared again inside `scope` (then `arr[i]` there cannot become `name`). */
function declaredElsewhere(scope: ts.Node, name: ts.Identifier): boolean {
  let again = false;
  descendants(scope, (n) => {
    if (ts.isIdentifier(n) && n.text === name.text && n !== name && 'name' in n.parent && (n.parent as ts.NamedDeclaration).name === n) again = true;
    return !again;
  });
  return again;
}

/** Any use of the array's path (or a prefix of it) other than `arr[i]` (handled before) or a `arr.length` read. */
function isArrayPathUse(e: ts.Expression, path: readonly string[]): boolean {
  const p = pathOf(e);
  if (!p || p[0] !== path[0]) return false;
  // Only the longest chain at this spot counts: `a.b` inside `a.b.c` is looked at as `a.b.c`.
  if (ts.isPropertyAccessExpression(e.parent) && e.parent.expression === e && pathOf(e.parent)) return false;
  const isPrefix = p.length <= path.length && p.every((x, i) => x === path[i]);
  const extendsPath = p.length > path.length && path.every((x, i) => x === p[i]);
  if (extendsPath) return !(p.length === path.length + 1 && p[path.length] === 'length' && !isWriteTarget(e));
  if (!isPrefix) return false; // `this.other = x` cannot replace `this.items`
  if (p.length === path.length) return true; // `arr` passed, iterated, indexed by something else...
  return isWriteTarget(e); // `this` or `a` alone: only a write of the prefix matters
}

/** The splice deleting a statement: its whole line when it is alone on it, else just its text. */
function lineOf(text: string, start: number, end: number): Splice {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const lineEnd = text.indexOf('\n', end);
  if (/^[ \t]*$/.test(text.slice(lineStart, start)) && lineEnd >= 0 && /^[ \t]*$/.test(text.slice(end, lineEnd))) return { start: lineStart, end: lineEnd + 1, text: '' };
  let to = end;
  while (text[to] === ' ' || text[to] === '\t') to++;
  return { start, end: to, text: '' };
}

// ---------------------------------------------------------------------------------------------
// instruction templates, each on a whole function

export interface InstructionTemplate {
  name: string;
  phrasings: readonly string[];
  rewrite: (sf: ts.SourceFile, fn: ts.Node, checker: ts.TypeChecker) => string | null;
}

function bodyOf(fn: ts.Node): ts.Node | undefined {
  if (ts.isVariableStatement(fn)) {
    const init = fn.declarationList.declarations[0]?.initializer;
    return init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) ? init.body : undefined;
  }
  return ts.isFunctionLike(fn) ? (fn as ts.FunctionLikeDeclaration).body : undefined;
}

function scopeText(sf: ts.SourceFile, fn: ts.Node, splices: readonly Splice[]): string | null {
  if (splices.length === 0) return null;
  const start = fn.getStart(sf);
  return applySplices(sf.text.slice(start, fn.getEnd()), start, splices);
}

function boundNames(name: ts.BindingName): ts.Identifier[] {
  if (ts.isIdentifier(name)) return [name];
  return name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : boundNames(e.name)));
}

/**
 * `let` -> `const` for each `let` list inside the function whose bindings all have an initializer
 * (or are the variable of a for-of/for-in) and are never written after it (by symbol: assignments,
 * updates, destructuring targets). Lists in a classic `for (let ...;;)` head are left alone.
 */
export function useConst(sf: ts.SourceFile, fn: ts.Node, checker: ts.TypeChecker): string | null {
  const body = bodyOf(fn);
  if (!body || hasDynamicScope(body)) return null;
  const written = new Set<ts.Symbol>();
  descendants(body, (n) => {
    if (!ts.isIdentifier(n) || !isWriteTarget(n)) return;
    const sym = ts.isShorthandPropertyAssignment(n.parent) ? checker.getShorthandAssignmentValueSymbol(n.parent) : checker.getSymbolAtLocation(n);
    if (sym) written.add(sym);
  });
  const splices: Splice[] = [];
  descendants(body, (n) => {
    if (!ts.isVariableDeclarationList(n) || declarationKind(n) !== ts.NodeFlags.Let || ts.isForStatement(n.parent)) return;
    const loopVariable = ts.isForOfStatement(n.parent) || ts.isForInStatement(n.parent);
    const ok = n.declarations.every(
      (d) =>
        (loopVariable || d.initializer) &&
        !d.exclamationToken &&
        boundNames(d.name).every((id) => {
          const sym = checker.getSymbolAtLocation(id);
          return sym && !written.has(sym);
        }),
    );
    const start = n.getStart(sf);
    if (ok && sf.text.startsWith('let', start)) splices.push({ start, end: start + 3, text: 'const' });
  });
  return scopeText(sf, fn, splices);
}

/** The operands of a left-nested `a + b + c` chain, parentheses kept. */
function plusOperands(e: ts.Expression): ts.Expression[] {
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) return [...plusOperands(e.left), e.right];
  return [e];
}

const isStringLiteralLike = (e: ts.Expression): boolean => ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isTemplateExpression(e);

/** A quoted string's source text as template-literal source; null for legacy octal escapes (invalid in templates). */
function asTemplateText(raw: string): string | null {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\') {
      if (/^([1-9]|0[0-9])/.test(raw.slice(i + 1, i + 3))) return null;
      out += c + (raw[i + 1] ?? '');
      i++;
    } else if (c === '`') out += '\\`';
    else if (c === '$' && raw[i + 1] === '{') out += '\\$';
    else out += c;
  }
  return out;
}

function hasComment(text: string): boolean {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, false, ts.LanguageVariant.Standard, text);
  for (let k = scanner.scan(); k !== ts.SyntaxKind.EndOfFileToken; k = scanner.scan()) {
    if (k === ts.SyntaxKind.SingleLineCommentTrivia || k === ts.SyntaxKind.MultiLineCommentTrivia) return true;
  }
  return false;
}

/**
 * Each maximal `+` chain with a string literal among its first two operands (so that every `+`
 * concatenates strings: `1 + 2 + 'x'` is left alone) and at least one other operand becomes one
 * template literal; literal parts are re-escaped for a template, nested chains are converted too.
 * Refused when some chain with a string literal cannot be converted (`a + b + 'x'`, comments
 * inside, legacy octal escapes), so the example never leaves a concatenation the instruction
 * names. (`${a}` calls a's toString where `'' + a` calls valueOf first: equal for strings, numbers
 * and ordinary objects, which is what the corpus concatenates.)
 */
export function useTemplateLiterals(sf: ts.SourceFile, fn: ts.Node): string | null {
  const body = bodyOf(fn);
  if (!body) return null;
  const chains: ts.BinaryExpression[] = [];
  let unsure = false; // a concatenation left as it is would contradict the instruction
  descendants(body, (n) => {
    if (!ts.isBinaryExpression(n) || n.operatorToken.kind !== ts.SyntaxKind.PlusToken) return;
    const p = n.parent;
    if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.PlusToken && p.left === n) return; // not maximal
    const ops = plusOperands(n);
    if (ops.every(isStringLiteralLike) || !ops.some(isStringLiteralLike)) return; // constant, or maybe numbers
    if ((!isStringLiteralLike(ops[0]) && !isStringLiteralLike(ops[1])) || hasComment(n.getText(sf))) unsure = true;
    else chains.push(n);
  });
  if (unsure) return null;
  // Inner chains first, so an outer one can use their converted text.
  chains.sort((a, b) => a.getEnd() - a.getStart(sf) - (b.getEnd() - b.getStart(sf)));
  const done: Splice[] = [];
  const textOf = (start: number, end: number) => applySplices(sf.text.slice(start, end), start, done.filter((s) => s.start >= start && s.end <= end));
  for (const chain of chains) {
    let out = '';
    for (const op of plusOperands(chain)) {
      if (ts.isStringLiteral(op)) {
        const t = asTemplateText(sf.text.slice(op.getStart(sf) + 1, op.getEnd() - 1));
        if (t === null) return null;
        out += t;
      } else if (ts.isNoSubstitutionTemplateLiteral(op) || ts.isTemplateExpression(op)) out += textOf(op.getStart(sf) + 1, op.getEnd() - 1);
      else {
        const inner = ts.isParenthesizedExpression(op) ? op.expression : op;
        out += '${' + textOf(inner.getStart(sf), inner.getEnd()) + '}';
      }
    }
    done.push({ start: chain.getStart(sf), end: chain.getEnd(), text: '`' + out + '`' });
  }
  const outer = done.filter((s) => !done.some((o) => o !== s && o.start <= s.start && o.end >= s.end));
  return scopeText(sf, fn, outer);
}

/** Top-level statements that run no user code while the module loads (so nothing can call `f` before its `const`). */
function isInert(statement: ts.Statement): boolean {
  if (ts.isImportDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isFunctionDeclaration(statement) || ts.isEmptyStatement(statement)) return true;
  if (ts.isExpressionStatement(statement) && ts.isStringLiteral(statement.expression)) return true; // 'use strict'
  if (!ts.isVariableStatement(statement) && !ts.isClassDeclaration(statement) && !ts.isExportDeclaration(statement)) return false;
  let runs = false;
  descendants(statement, (n) => {
    if (ts.isFunctionLike(n) && !ts.isClassStaticBlockDeclaration(n)) return false;
    if (ts.isPropertyDeclaration(n) && !n.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword)) return false;
    const isRequire = ts.isCallExpression(n) && isIdentifierNamed(n.expression, 'require') && n.arguments.length === 1 && ts.isStringLiteral(n.arguments[0]);
    if (ts.isClassStaticBlockDeclaration(n) || ts.isNewExpression(n) || ts.isTaggedTemplateExpression(n) || ts.isDecorator(n) || ts.isAwaitExpression(n) || (ts.isCallExpression(n) && !isRequire)) runs = true;
    return !runs && !isRequire;
  });
  return !runs;
}

/**
 * A top-level `[export] [async] function f(...) {...}` becomes `[export] const f = [async] (...) => {...};`.
 * Refused: generators, `export default`, overloads or merged declarations, `this`/`arguments`/
 * `new.target`/`super` in the body (nested arrows included), classes in the body, a `this`
 * parameter, assertion signatures, type parameters in .tsx/.js files, `f` written, constructed
 * (`new f`) or its `prototype` used, `f` named before its declaration, or top-level code before
 * it that could run user code while the module loads (then `f` would be read in its dead zone).
 */
export function toArrowFunction(sf: ts.SourceFile, fn: ts.Node): string | null {
  if (!ts.isFunctionDeclaration(fn) || !fn.body || !fn.name || fn.asteriskToken || fn.parent !== sf) return null;
  const modifiers = (fn.modifiers ?? []).map((m) => m.kind);
  if (modifiers.some((m) => m !== ts.SyntaxKind.ExportKeyword && m !== ts.SyntaxKind.AsyncKeyword)) return null;
  const name = fn.name.text;
  const params = fn.parameters;
  if (params.some((p) => isIdentifierNamed(p.name, 'this')) || (fn.type && ts.isTypePredicateNode(fn.type) && fn.type.assertsModifier)) return null;
  if (fn.typeParameters && !/\.(ts|mts|cts)$/.test(sf.fileName)) return null;
  let bad = false;
  descendants(fn.body, (n) => {
    if (ts.isClassLike(n)) bad = true;
    else if (ts.isFunctionLike(n) && !ts.isArrowFunction(n)) return false;
    else if (n.kind === ts.SyntaxKind.ThisKeyword || n.kind === ts.SyntaxKind.SuperKeyword || ts.isMetaProperty(n) || (ts.isIdentifier(n) && n.text === 'arguments' && !isPropertyName(n))) bad = true;
    return !bad;
  });
  if (bad || hasDynamicScope(fn.body)) return null;
  const fnStart = fn.getStart(sf);
  descendants(sf, (n) => {
    if (bad || !ts.isIdentifier(n) || n.text !== name || n === fn.name || isPropertyName(n)) return !bad;
    const p = n.parent;
    const inside = n.pos >= fn.pos && n.end <= fn.end;
    if ((!inside && n.getStart(sf) < fnStart) || isWriteTarget(n) || (ts.isNewExpression(p) && p.expression === n)) bad = true;
    else if (ts.isPropertyAccessExpression(p) && p.expression === n && p.name.text === 'prototype') bad = true;
    else if ('name' in p && (p as ts.NamedDeclaration).name === n && !ts.isShorthandPropertyAssignment(p) && !ts.isExportSpecifier(p)) bad = true; // another declaration of the name
    return !bad;
  });
  if (bad || sf.statements.slice(0, sf.statements.indexOf(fn)).some((s) => !isInert(s))) return null;

  const text = sf.text;
  const children = fn.getChildren(sf);
  const openParen = children.find((c) => c.kind === ts.SyntaxKind.OpenParenToken)!;
  const typeParams = text.slice(fn.name.getEnd(), openParen.getStart(sf)).trim();
  const signature = text.slice(openParen.getStart(sf), fn.body.getStart(sf)).trimEnd();
  const isExport = modifiers.includes(ts.SyntaxKind.ExportKeyword);
  const isAsync = modifiers.includes(ts.SyntaxKind.AsyncKeyword);
  if (hasComment(text.slice(fnStart, openParen.getStart(sf)))) return null;
  return `${isExport ? 'export ' : ''}const ${name} = ${isAsync ? 'async ' : ''}${typeParams}${signature} => ${text.slice(fn.body.getStart(sf), fn.body.getEnd())};`;
}

export const INSTRUCTION_TEMPLATES: readonly InstructionTemplate[] = [
  {
    name: 'const',
    phrasings: ['Use const for variables that are never reassigned.', 'Replace let with const where a variable is never reassigned.', 'Declare the variables that never change with const instead of let.'],
    rewrite: useConst,
  },
  {
    name: 'template',
    phrasings: ['Use template literals instead of string concatenation.', 'Replace the string concatenation with template strings.', 'Rewrite the string concatenations as template literals.'],
    rewrite: (sf, fn) => useTemplateLiterals(sf, fn),
  },
  {
    name: 'arrow',
    phrasings: ['Convert this function to an arrow function.', 'Rewrite this function declaration as a const arrow function.', 'Turn this function into an arrow function assigned to a const.'],
    rewrite: (sf, fn) => toArrowFunction(sf, fn),
  },
];

// ---------------------------------------------------------------------------------------------
// checking: the compiler's diagnostics for one file alone (no lib, so fast), before and after

const CHECK_OPTIONS: ts.CompilerOptions = { noLib: true, allowJs: true, checkJs: true, target: ts.ScriptTarget.ES2022, noResolve: true, types: [], noEmit: true };

/** A one-file program (no lib): its source file and type checker. */
export function analyze(fileName: string, text: string): { sf: ts.SourceFile; checker: ts.TypeChecker; program: ts.Program } {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const host: ts.CompilerHost = {
    getSourceFile: (f) => (f === fileName ? sf : undefined),
    getDefaultLibFileName: () => 'lib.d.ts',
    writeFile: () => {},
    getCurrentDirectory: () => '/',
    getCanonicalFileName: (f) => f,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
    fileExists: (f) => f === fileName,
    readFile: (f) => (f === fileName ? text : undefined),
  };
  const program = ts.createProgram([fileName], CHECK_OPTIONS, host);
  return { sf, checker: program.getTypeChecker(), program };
}

/** The file's diagnostics as `code message` lines (no positions, so before and after compare). */
export function diagnosticsOf(fileName: string, text: string, semantic: boolean): string[] {
  const { sf, program } = analyze(fileName, text);
  const diags = [...program.getSyntacticDiagnostics(sf), ...(semantic ? program.getSemanticDiagnostics(sf) : [])];
  return diags.map((d) => `${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

/** Diagnostics in `after` that `before` does not have (as a multiset). */
export function addedDiagnostics(before: readonly string[], after: readonly string[]): string[] {
  const count = new Map<string, number>();
  for (const d of before) count.set(d, (count.get(d) ?? 0) + 1);
  return after.filter((d) => {
    const n = count.get(d) ?? 0;
    count.set(d, n - 1);
    return n <= 0;
  });
}
