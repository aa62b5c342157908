import type Parser from 'tree-sitter';
import { lineOf, type OffsetRange, type TextReplacement } from '../../protocol/text.js';
import type { TypeParameterText } from '../../protocol/type-view.js';
import { ancestorsOf } from '../../syntax/ancestry.js';
import { VALUE, type DeclarationOccurrence, type NameOccurrence } from '../../syntax/name-occurrence.js';
import { NameIndex, resolveName, type Binding } from '../../syntax/name-resolution.js';
import { FUNCTION_TYPES, LOOP_TYPES, NAME_TYPES, PATTERN_TYPES, STATEMENT_LIST_TYPES } from '../../syntax/node-kinds.js';
import { findActionScopes } from '../../syntax/scopes.js';
import { newNameProblem } from './identifier-name.js';
import { declaredTypeOf } from './syntactic-type.js';
import { fallThroughReturn, freeName, insertInto, valueReturnCall, valueReturns } from './extract-returns.js';

type SyntaxNode = Parser.SyntaxNode;

export interface ExtractedParameter {
  name: string;
  /** The binding's declared type, copied where it is safe to (see `parameterType`); absent: left to inference. */
  type?: string;
  /** Where the selection first uses it: a type checker asked there knows the type the caller passes (engine/extract-edit.ts). */
  firstUse: number;
  /** The selection assigns it: the parameter needs the variable's declared type, not the narrowed one. */
  assigned: boolean;
}

export type ExtractResult =
  | {
      ok: true;
      /** Against the text the extraction was computed on: the selection becomes the call, the function is inserted after the top-level declaration. */
      replacements: TextReplacement[];
      functionText: string;
      callText: string;
      parameters: ExtractedParameter[];
      /** Variables the function returns, in order of first use in the selection. */
      returns: string[];
      async: boolean;
    }
  | { ok: false; reason: string };

/**
 * Extracts the selected statements into a new top-level function named `name`
 * (DESIGN.md "Edit types"), by scope analysis of the syntax tree. Local
 * variables of enclosing functions and blocks that the selection uses become
 * parameters (module-level names and imports stay visible at top level and are
 * not passed); variables the selection assigns that are used outside it come
 * back as the return value. Selections whose meaning would change when moved
 * into a function (a `return`, `break` or `continue` leaving them, `this`,
 * `super`, `arguments`, local types) are refused with the reason; a `yield`
 * makes the function a generator that the call delegates to (`yield*`).
 */
export function extractFunction(tree: Parser.Tree, text: string, range: OffsetRange, name: string, languageId = 'typescript'): ExtractResult {
  const planned = planExtraction(tree, text, range, languageId);
  if (!planned.ok) return planned;
  const problem = functionNameProblem(planned.plan, name);
  if (problem) return { ok: false, reason: problem };
  return renderExtraction(planned.plan, name);
}

interface ReturnedVariable {
  name: string;
  /** How the selection declares it (`const` ...), or undefined when it is declared before the selection and assigned inside. */
  declaredWith?: 'const' | 'let' | 'var';
}

/** Everything about an extraction except the function's name: computed once, rendered for each proposed name. */
export interface ExtractionPlan {
  tree: Parser.Tree;
  text: string;
  /** Whole statements, trimmed. */
  selection: OffsetRange;
  /** Where the function goes (after the top-level declaration, or after the selection at top level). */
  insertAt: number;
  atTopLevel: boolean;
  parameters: ExtractedParameter[];
  /** Type parameters of the enclosing declarations that the parameter types name (from a type checker): the function declares them, the call passes them. */
  typeParameters?: TypeParameterText[];
  returns: ReturnedVariable[];
  /** The selection ends in `throw`: the function is declared `: never` (TypeScript). */
  never: boolean;
  /**
   * The selection's `return`s leave the enclosing function: the call is
   * `return f(...)` (the selection returns on every path, or it ends the
   * function's body, where falling through returns too).
   */
  returnsToCaller?: boolean;
  /** With returnsToCaller: the enclosing function's declared return type (`: Promise<void>`), when the new function can say the same. */
  returnType?: string;
  /**
   * With returnsToCaller and variables to return: the name of the returned
   * value in the object the function returns (`__return`), as TypeScript's
   * extraction writes it.
   */
  valueName?: string;
  /** With valueName: the selection may end without a `return`, so the function ends with one. */
  fallsThrough?: boolean;
  async: boolean;
  /** The selection yields: `function*`, called with `yield*` (whose value is what the function returns), as TypeScript extracts it. */
  generator: boolean;
  /** The selection re-indented one level for the function body. */
  body: string;
  /** The file's indentation unit and the call site's line indentation. */
  unit: string;
  callIndent: string;
  semicolon: string;
  /** The statement before the call does not end in `;` or `}`: a call starting with `(` needs a leading `;`. */
  asiHazard: boolean;
}

export type Planned = { ok: true; plan: ExtractionPlan } | { ok: false; reason: string };

/** Checks the selection and computes parameters, return values and the function body. */
export function planExtraction(tree: Parser.Tree, text: string, range: OffsetRange, languageId = 'typescript'): Planned {
  const statements = findActionScopes(tree, text, range).statements;
  if (!statements) return { ok: false, reason: 'select one or more whole statements of one block to extract a function' };
  const selection = statements.range;
  const list = statementList(tree, selection);
  if (!list) return { ok: false, reason: 'select one or more whole statements of one block to extract a function' };
  const selected = list.namedChildren.filter((c) => c.startIndex >= selection.start && c.endIndex <= selection.end);
  if (selected.some((s) => s.hasError)) return { ok: false, reason: 'the selection has syntax errors; fix them before extracting a function' };

  const scan = scanSelection(selected, selection, text);
  if (scan.problem) return { ok: false, reason: scan.problem };
  const returnsToCaller = scan.returnLine !== undefined;
  if (returnsToCaller && !alwaysExits(selected[selected.length - 1]) && !endsFunctionBody(list, selected[selected.length - 1])) {
    return {
      ok: false,
      reason: `the selection returns on some paths only (\`return\` at line ${scan.returnLine}) and code after it runs on the others; select up to the end of the function, or statements that return on every path`,
    };
  }

  const atTopLevel = !list.parent;
  const topLevel = atTopLevel ? undefined : topLevelStatement(tree, selection);
  const cover: OffsetRange = topLevel && !atTopLevel ? { start: topLevel.startIndex, end: topLevel.endIndex } : { start: 0, end: text.length };
  const typed = languageId === 'typescript' || languageId === 'typescriptreact';
  const flow = analyseNames(tree, text, selection, scan.names, cover, typed);
  if (!flow.ok) return flow;
  const declaredThenReturned = returnsToCaller ? flow.returns.find((r) => r.declaredWith) : undefined;
  if (declaredThenReturned) {
    return { ok: false, reason: `the selection returns from the function and also declares \`${declaredThenReturned.name}\`, which is used after it; declare it before the selection first` };
  }
  // It returns and sets variables read after it (a closure or a loop reads them again): both come back in one object.
  const valueName = returnsToCaller && flow.returns.length > 0 ? freeName(text, '__return') : undefined;
  // A selection that ends in `throw` never completes: nothing after it sees its variables, and in TypeScript
  // `: never` keeps the caller's control flow (and the narrowing it implies) as it was.
  const throws = selected[selected.length - 1].type === 'throw_statement';

  // Returning in an async function's place, the new function is async too: what the selection returns
  // (a value or a promise) then means what it meant there, under the same declared return type.
  const async = scan.awaits || (returnsToCaller && isAsync(enclosingFunction(list)));
  // The enclosing function's return type may name its type parameters that the selection does not: they become the new function's too.
  const returned = returnsToCaller && typed && !valueName ? declaredReturnType(tree, text, list, async, flow.typeParameters) : undefined;
  const returnType = returned?.annotation;
  const typeParameters = returned?.typeParameters ?? flow.typeParameters;
  const callIndent = lineIndent(text, selection.start);
  const unit = indentUnit(text, callIndent, list);
  const previous = selected[0].previousNamedSibling;
  const previousText = previous && previous.type !== 'comment' ? text.slice(previous.startIndex, previous.endIndex) : '';
  return {
    ok: true,
    plan: {
      tree,
      text,
      selection,
      insertAt: atTopLevel ? selection.end : afterTrailingComment(text, topLevel!.endIndex),
      atTopLevel,
      parameters: flow.parameters,
      typeParameters,
      returns: throws ? [] : flow.returns,
      never: throws && typed && !scan.awaits && !scan.yields && !returnsToCaller,
      generator: scan.yields,
      returnsToCaller,
      returnType,
      async,
      body: valueName ? valueReturnsBody(text, selection, callIndent, unit, scan, valueName, flow.returns) : reindent(text, selection, callIndent, unit, scan.templates),
      valueName,
      fallsThrough: valueName !== undefined && !alwaysExits(selected[selected.length - 1]),
      unit,
      callIndent,
      semicolon: /;[ \t]*(\r?\n|$)/.test(text) ? ';' : '',
      asiHazard: previousText !== '' && !/[;}]$/.test(previousText),
    },
  };
}

/**
 * Why `name` cannot name the new function, or undefined: it must be an
 * identifier, and must not mean anything yet where the function is declared
 * (top level) or where it is called, nor be one of the variables the call
 * site declares.
 */
export function functionNameProblem(plan: ExtractionPlan, name: string): string | undefined {
  const invalid = newNameProblem(name, false);
  if (invalid) return invalid;
  if (plan.returns.some((r) => r.name === name) || plan.parameters.some((p) => p.name === name)) {
    return `\`${name}\` is a variable the extracted code uses; the function needs another name`;
  }
  const index = new NameIndex(plan.tree, plan.text, name);
  index.cover(0, plan.text.length);
  const { start, end } = plan.selection;
  for (const binding of index.bindings) {
    if (!binding.scope.parent) return `\`${name}\` is already declared at the top level (line ${lineOf(plan.text, binding.declarations[0].start)})`;
    // A binding declared only inside the selection moves into the function: the call site no longer sees it.
    const movesOut = binding.declarations.every((d) => start <= d.start && d.end <= end);
    if (binding.scopeStart <= start && end <= binding.scopeEnd && !movesOut) {
      return `\`${name}\` already names something visible where the function is called (line ${lineOf(plan.text, binding.declarations[0].start)})`;
    }
  }
  const global = index.occurrences.find((o) => o.role === 'reference' && index.bindingsOf(o).length === 0 && (o.namespaces & VALUE) !== 0);
  if (global) return `\`${name}\` is used in this file as a global name (line ${lineOf(plan.text, global.start)}); a function of that name would hide it`;
  return undefined;
}

/** `extracted`, else `extracted2`, `extracted3`...: the first name no code around the extraction uses. */
export function defaultFunctionName(plan: ExtractionPlan, base = 'extracted'): string {
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}${n}`;
    if (!functionNameProblem(plan, name)) return name;
  }
}

/** The function and the call for a name already checked by `functionNameProblem`. */
export function renderExtraction(plan: ExtractionPlan, name: string): ExtractResult & { ok: true } {
  const { parameters, returns, unit, semicolon } = plan;
  const signature = parameters.map((p) => (p.type ? `${p.name}: ${p.type}` : p.name)).join(', ');
  const value = returns.length === 1 ? returns[0].name : `{ ${returns.map((r) => r.name).join(', ')} }`;
  const names = returns.map((r) => r.name);
  const returned = plan.valueName
    ? (plan.fallsThrough ? `\n${unit}${fallThroughReturn(plan.valueName, names, semicolon)}` : '')
    : returns.length === 0 ? '' : `\n${unit}return ${value}${semicolon}`;
  const used = usedTypeParameters(plan);
  const generic = used.length > 0 ? used : undefined;
  const declared = generic ? `<${generic.map((t) => t.declaration).join(', ')}>` : '';
  const passed = generic ? `<${generic.map((t) => t.name).join(', ')}>` : '';
  const annotation = plan.never ? ': never' : (plan.returnType ?? '');
  const functionText = `${plan.async ? 'async ' : ''}function${plan.generator ? '*' : ''} ${name}${declared}(${signature})${annotation} {\n${plan.body}${returned}\n}`;
  const call = `${plan.generator ? 'yield* ' : plan.async ? 'await ' : ''}${name}${passed}(${parameters.map((p) => p.name).join(', ')})`;
  const callText = plan.valueName
    ? valueReturnCall(call, plan.valueName, names, plan.callIndent, semicolon)
    : callFor(plan, plan.returnsToCaller ? `return ${call}` : call, semicolon);
  const replacements: TextReplacement[] = plan.atTopLevel
    ? [{ start: plan.selection.start, end: plan.selection.end, newText: `${callText}\n\n${functionText}` }]
    : [
        { start: plan.selection.start, end: plan.selection.end, newText: callText },
        { start: plan.insertAt, end: plan.insertAt, newText: `\n\n${functionText}` },
      ];
  return { ok: true, replacements, functionText, callText, parameters, returns: names, async: plan.async };
}

/**
 * The type parameters the function needs: those its parameter types, its
 * return type, its body or the constraints of the others name. One that only
 * a type the checker replaced named (the declared `Partial<E>` narrowed to
 * `{ once: boolean }`) would be unused: an error under `noUnusedParameters`.
 */
function usedTypeParameters(plan: ExtractionPlan): TypeParameterText[] {
  const all = plan.typeParameters ?? [];
  if (all.length === 0) return all;
  const names = (texts: string[], name: string) => texts.some((t) => new RegExp(`(^|[^\\p{ID_Continue}$.])${name.replace(/\$/g, '\\$')}($|[^\\p{ID_Continue}$])`, 'u').test(t));
  const texts = [plan.body, plan.returnType ?? '', ...plan.parameters.map((p) => p.type ?? '')];
  const used = new Set(all.filter((t) => names(texts, t.name)));
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of all) {
      if (used.has(t) || ![...used].some((u) => names([u.declaration], t.name))) continue;
      used.add(t);
      grew = true;
    }
  }
  return all.filter((t) => used.has(t));
}

/**
 * The statement that replaces the selection. Variables the selection declares
 * are declared again by the call (`const {a, b} = f()`); variables declared
 * before it are assigned (`a = f()`, `({a, b} = f())`); a mix declares the new
 * ones first.
 */
function callFor(plan: ExtractionPlan, call: string, semicolon: string): string {
  const { returns, callIndent, asiHazard } = plan;
  if (returns.length === 0) return `${call}${semicolon}`;
  const declared = returns.filter((r) => r.declaredWith);
  const keyword = declared.some((r) => r.declaredWith === 'var') ? 'var' : declared.some((r) => r.declaredWith === 'let') ? 'let' : 'const';
  const names = returns.map((r) => r.name).join(', ');
  if (returns.length === 1) return declared.length === 1 ? `${keyword} ${names} = ${call}${semicolon}` : `${names} = ${call}${semicolon}`;
  if (declared.length === returns.length) return `${keyword} { ${names} } = ${call}${semicolon}`;
  const assign = `({ ${names} } = ${call})${semicolon}`;
  if (declared.length === 0) return `${asiHazard ? ';' : ''}${assign}`;
  const mixedKeyword = keyword === 'const' ? 'let' : keyword;
  // `let a;` ends in `;` so the assignment's `(` cannot continue it, whatever the file's semicolon style.
  return `${mixedKeyword} ${declared.map((r) => r.name).join(', ')};\n${callIndent}${assign}`;
}

// ---------------------------------------------------------------------------
// The selection's own syntax: control flow, `this`, `await`, the names used.

interface SelectionScan {
  problem?: string;
  /** Line of the first `return` of the enclosing function in the selection. */
  returnLine?: number;
  /** The `return` statements of the enclosing function in the selection. */
  returnStatements: SyntaxNode[];
  awaits: boolean;
  /** A `yield` of the enclosing generator: the function is a generator too, and the call delegates (`yield*`). */
  yields: boolean;
  names: Set<string>;
  /** Template strings: their lines keep their indentation. */
  templates: OffsetRange[];
}

function enclosingClassBody(node: SyntaxNode): SyntaxNode | undefined {
  for (let n = node.parent; n; n = n.parent) if (n.type === 'class_body') return n;
  return undefined;
}

/**
 * The `private` and `protected` members of the classes around `node`, by
 * name (fields, methods, accessors, parameter properties): TypeScript
 * refuses them outside the class, so an extraction to the top level that
 * uses one (`other.secret`) is refused, as TypeScript's own extraction is.
 */
function restrictedMembers(node: SyntaxNode | undefined): Map<string, string> {
  const members = new Map<string, string>();
  for (let body = node && enclosingClassBody(node); body; body = enclosingClassBody(body)) {
    const note = (member: SyntaxNode, name: SyntaxNode | null | undefined) => {
      const modifier = member.namedChildren.find((c) => c.type === 'accessibility_modifier')?.text;
      if (name && (modifier === 'private' || modifier === 'protected') && !members.has(name.text)) members.set(name.text, modifier);
    };
    for (const member of body.namedChildren) {
      note(member, member.childForFieldName('name'));
      if (member.type !== 'method_definition') continue;
      for (const parameter of member.childForFieldName('parameters')?.namedChildren ?? []) note(parameter, parameter.childForFieldName('pattern'));
    }
  }
  return members;
}

/** Nodes that give `this`, `super` and `arguments` a meaning of their own. */
const THIS_BOUNDARY_TYPES: ReadonlySet<string> = new Set(['function_declaration', 'function_expression', 'generator_function_declaration', 'generator_function', 'method_definition', 'class_body']);

function scanSelection(selected: SyntaxNode[], selection: OffsetRange, text: string): SelectionScan {
  const scan: SelectionScan = { awaits: false, yields: false, names: new Set(), templates: [], returnStatements: [] };
  const inside = (n: SyntaxNode) => n.startIndex >= selection.start && n.endIndex <= selection.end;
  let privates: Map<string, string> | undefined;
  // `functions`: nested functions of any kind around the node; `thisOwners`: those that bind `this`.
  const visit = (node: SyntaxNode, functions: number, thisOwners: number): void => {
    if (scan.problem) return;
    const type = node.type;
    const line = () => lineOf(text, node.startIndex);
    if (NAME_TYPES.has(type) && type !== 'property_identifier') {
      const name = text.slice(node.startIndex, node.endIndex);
      scan.names.add(name);
      if (type === 'identifier' && name === 'arguments' && thisOwners === 0) scan.problem = `the selection uses \`arguments\` of the enclosing function (line ${line()}); pass what it needs explicitly first`;
      return;
    }
    switch (type) {
      case 'private_property_identifier':
        if (!inside(enclosingClassBody(node) ?? node)) {
          scan.problem = `the selection uses the private member \`${node.text}\` (line ${line()}), which only code inside its class can reach; a function outside the class cannot`;
        }
        return;
      case 'property_identifier': {
        const restricted = node.parent?.type === 'member_expression' ? (privates ??= restrictedMembers(selected[0])).get(node.text) : undefined;
        if (restricted) {
          scan.problem = `the selection uses the ${restricted} member \`${node.text}\` of the enclosing class (line ${line()}), which a function outside the class cannot reach; make it public or extract a method by hand`;
        }
        return;
      }
      case 'this':
      case 'super':
        if (thisOwners === 0) scan.problem = `the selection uses \`${type}\` (line ${line()}), which would mean something else in a separate function; extract a method by hand or pass the object explicitly`;
        return;
      case 'meta_property':
        if (thisOwners === 0 && node.text.startsWith('new')) scan.problem = `the selection uses \`new.target\` (line ${line()}), which would mean something else in a separate function`;
        return;
      case 'yield_expression':
        if (functions === 0) scan.yields = true;
        break;
      case 'await_expression':
        if (functions === 0) scan.awaits = true;
        break;
      case 'for_in_statement':
        if (functions === 0 && node.children.some((c) => c.type === 'await')) scan.awaits = true;
        break;
      case 'return_statement':
        if (functions === 0) {
          scan.returnLine ??= line();
          scan.returnStatements.push(node);
        }
        break;
      case 'break_statement':
      case 'continue_statement': {
        const target = jumpTarget(node, text);
        if (!target || !inside(target)) {
          const word = type === 'break_statement' ? 'break' : 'continue';
          scan.problem = `the selection contains a \`${word}\` (line ${line()}) that leaves the selection; a function cannot ${word} its caller's loop`;
        }
        return;
      }
      case 'template_string':
        scan.templates.push({ start: node.startIndex, end: node.endIndex });
        break;
    }
    const nestedFunction = FUNCTION_TYPES.has(type) ? 1 : 0;
    const ownsThis = THIS_BOUNDARY_TYPES.has(type) ? 1 : 0;
    for (const child of node.children) visit(child, functions + nestedFunction, thisOwners + ownsThis);
  };
  for (const statement of selected) visit(statement, 0, 0);
  return scan;
}

/** Control never runs past `statement`: a `return` or `throw`, a block ending in one, an `if` whose branches all do. */
function alwaysExits(statement: SyntaxNode): boolean {
  switch (statement.type) {
    case 'return_statement':
    case 'throw_statement':
      return true;
    case 'statement_block': {
      const last = statement.namedChildren.filter((c) => c.type !== 'comment').pop();
      return last !== undefined && alwaysExits(last);
    }
    case 'if_statement': {
      const consequence = statement.childForFieldName('consequence');
      const alternative = statement.childForFieldName('alternative');
      const otherwise = alternative?.namedChildren.find((c) => c.type !== 'comment');
      return consequence !== null && otherwise !== undefined && alwaysExits(consequence) && alwaysExits(otherwise);
    }
    default:
      return false;
  }
}

/**
 * The return type the enclosing function declares (`: Promise<void>`), for
 * the new function that returns in its place: inference alone can be wider
 * (`new Promise(...)` is `Promise<unknown>`). Only when both functions are
 * async or both are not, the function is not a generator, and every name in
 * the type is visible at the top level.
 */
function declaredReturnType(
  tree: Parser.Tree,
  text: string,
  list: SyntaxNode,
  async: boolean,
  typeParameters: readonly TypeParameterText[],
): { annotation: string; typeParameters: TypeParameterText[] } | undefined {
  const fn = enclosingFunction(list);
  if (!fn || fn.type.startsWith('generator') || fn.children.some((c) => c.type === '*')) return undefined;
  if (isAsync(fn) !== async) return undefined;
  const annotation = fn.childForFieldName('return_type');
  if (!annotation || annotation.type !== 'type_annotation') return undefined;
  // The type parameters it names join the function's (the map grows), with those their constraints name.
  const declared = new Map(typeParameters.map((t) => [t.name, t]));
  if (!namesVisibleAtTopLevel(tree, text, annotation, declared)) return undefined;
  return { annotation: text.slice(annotation.startIndex, annotation.endIndex), typeParameters: [...declared.values()].sort((a, b) => a.offset - b.offset) };
}

function enclosingFunction(node: SyntaxNode): SyntaxNode | undefined {
  for (let n: SyntaxNode | null = node; n; n = n.parent) if (FUNCTION_TYPES.has(n.type)) return n;
  return undefined;
}

function isAsync(fn: SyntaxNode | undefined): boolean {
  return fn?.children.some((c) => c.type === 'async') ?? false;
}

/** `last` is the last statement of a function's body: falling off it returns from the function. */
function endsFunctionBody(list: SyntaxNode, last: SyntaxNode): boolean {
  if (list.type !== 'statement_block' || !list.parent || !FUNCTION_TYPES.has(list.parent.type)) return false;
  const statements = list.namedChildren.filter((c) => c.type !== 'comment');
  return statements[statements.length - 1]?.id === last.id;
}

/** The statement a `break`/`continue` leaves: its label's statement, else the innermost loop (or `switch`, for `break`). Undefined past a function. */
function jumpTarget(jump: SyntaxNode, text: string): SyntaxNode | undefined {
  const labelNode = jump.childForFieldName('label');
  const label = labelNode ? text.slice(labelNode.startIndex, labelNode.endIndex) : undefined;
  for (let n = jump.parent; n; n = n.parent) {
    if (FUNCTION_TYPES.has(n.type) || n.type === 'class_body') return undefined;
    if (label !== undefined) {
      const own = n.type === 'labeled_statement' ? n.childForFieldName('label') : null;
      if (own && text.slice(own.startIndex, own.endIndex) === label) return n;
    } else if (LOOP_TYPES.has(n.type) || (jump.type === 'break_statement' && n.type === 'switch_statement')) {
      return n;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Names: what flows in (parameters) and out (return values).

type NameFlow = { ok: true; parameters: ExtractedParameter[]; typeParameters: TypeParameterText[]; returns: ReturnedVariable[] } | { ok: false; reason: string };

interface OuterUse {
  binding: Binding;
  index: NameIndex;
  first: number;
  written: boolean;
}

/**
 * Resolves every name of the selection with one NameIndex per name, covering
 * the top-level declaration around it (any binding nearer than the module is
 * inside it), or the whole file for a top-level selection.
 */
function analyseNames(tree: Parser.Tree, text: string, selection: OffsetRange, names: Set<string>, cover: OffsetRange, typed: boolean): NameFlow {
  const isInside = (o: { start: number; end: number }) => o.start >= selection.start && o.end <= selection.end;
  const outer = new Map<Binding, OuterUse>();
  const typeParameters = new Map<string, TypeParameterText>();
  const returns: (ReturnedVariable & { first: number })[] = [];
  for (const name of names) {
    const index = new NameIndex(tree, text, name);
    index.cover(cover.start, cover.end);
    const declaredInside = index.bindings.filter((b) => b.declarations.every(isInside));
    for (const binding of declaredInside) {
      const usedOutside = index.occurrences.some((o) => !isInside(o) && index.bindingsOf(o).includes(binding));
      if (!usedOutside) continue;
      if (binding.kind !== 'variable') {
        const kind = binding.kind.replace('-', ' ');
        return { ok: false, reason: `\`${name}\` (${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}) is declared in the selection and used outside it; only variables can be returned from the extracted function` };
      }
      returns.push({ name, declaredWith: declarationKeyword(binding.declarations[0]), first: binding.declarations[0].start });
    }
    for (const occurrence of index.occurrences) {
      if (!isInside(occurrence)) continue;
      const [binding] = index.bindingsOf(occurrence);
      // Undeclared (a global), module-level or declared in the selection: visible to a top-level function as it is.
      if (!binding || !binding.scope.parent || declaredInside.includes(binding)) continue;
      if ((occurrence.namespaces & VALUE) === 0) {
        // A type parameter of an enclosing function or class becomes the new function's (its call passes it).
        if (typed && binding.kind === 'type-parameter' && enclosingTypeParameters(tree, text, binding, typeParameters)) continue;
        return { ok: false, reason: `the selection uses the local type \`${name}\` (line ${lineOf(text, occurrence.start)}), which a top-level function cannot see; move the type to the top level first` };
      }
      const use = outer.get(binding) ?? { binding, index, first: occurrence.start, written: false };
      use.written ||= isWrite(occurrence);
      outer.set(binding, use);
    }
  }
  const parameters: ExtractedParameter[] = [];
  for (const use of outer.values()) {
    parameters.push({ name: use.binding.name, firstUse: use.first, assigned: use.written, ...parameterType(tree, text, use, selection, typed, typeParameters) });
    if (use.written && (usedOutside(use, isInside) || repeats(tree, selection, use.binding))) returns.push({ name: use.binding.name, first: use.first });
  }
  const byFirstUse = (a: { first: number }, b: { first: number }) => a.first - b.first;
  return {
    ok: true,
    typeParameters: [...typeParameters.values()].sort((a, b) => a.offset - b.offset),
    parameters: parameters.sort((a, b) => a.firstUse - b.firstUse),
    returns: returns.sort(byFirstUse).map(({ first: _, ...r }) => r),
  };
}

/**
 * Adds the type parameter `binding` (of an enclosing function or class, as
 * `<T extends C>` declares it) to `into`, with the type parameters its
 * constraint names; false when it is another kind (`infer`, mapped), two of
 * one name would meet, or the constraint names a local type.
 */
function enclosingTypeParameters(tree: Parser.Tree, text: string, binding: Binding, into: Map<string, TypeParameterText>): boolean {
  const name = binding.declarations[0].node;
  const declaration = name.parent;
  if (binding.declarations.length !== 1 || declaration?.type !== 'type_parameter' || declaration.childForFieldName('name')?.id !== name.id) return false;
  const known = into.get(binding.name);
  if (known) return known.offset === name.startIndex;
  const constraint = declaration.childForFieldName('constraint');
  const constraintText = constraint ? ` ${text.slice(constraint.startIndex, constraint.endIndex)}` : '';
  // `const` changes what the call infers, so it stays (as TypeScript's extraction keeps it); `in`/`out` belong to classes
  // and interfaces, and the default is not needed where the call passes every type argument.
  const modifier = declaration.children.some((c) => c.type === 'const') ? 'const ' : '';
  into.set(binding.name, { name: binding.name, declaration: `${modifier}${binding.name}${constraintText}`, offset: name.startIndex });
  const namesIn = (node: SyntaxNode): boolean => {
    if (node.type === 'type_identifier' || (node.type === 'identifier' && node.parent?.type === 'type_query')) {
      const named = resolveName(tree, text, node)?.binding;
      if (!named || !named.scope.parent) return true;
      if (named.scopeStart >= constraint!.startIndex && named.scopeEnd <= constraint!.endIndex) return true; // its own (`infer U`, `[P in keyof T]`)
      return named.kind === 'type-parameter' && enclosingTypeParameters(tree, text, named, into);
    }
    return node.namedChildren.every(namesIn);
  };
  return !constraint || namesIn(constraint);
}

/** A reference the selection assigns: `x = `, `x += `, `x++`, `[x] = `, `for (x of ...)`. */
function isWrite(occurrence: NameOccurrence): boolean {
  if (occurrence.role === 'declaration') return true; // `var x` repeated inside the selection
  let child = occurrence.node;
  let owner = child.parent;
  while (owner && (PATTERN_TYPES.has(owner.type) || owner.type === 'object_pattern' || owner.type === 'array_pattern' || owner.type === 'parenthesized_expression')) {
    child = owner;
    owner = owner.parent;
  }
  if (!owner) return false;
  switch (owner.type) {
    case 'assignment_expression':
    case 'augmented_assignment_expression':
    case 'for_in_statement':
      return owner.childForFieldName('left')?.id === child.id;
    case 'update_expression':
      return true;
    default:
      return false;
  }
}

/** A reference to the binding outside the selection (declarations do not read it). */
function usedOutside(use: OuterUse, isInside: (o: NameOccurrence) => boolean): boolean {
  return use.index.occurrences.some((o) => o.role === 'reference' && !isInside(o) && use.index.bindingsOf(o).includes(use.binding));
}

/** A loop or function between the selection and the binding's scope may run the selection again and read what it left. */
function repeats(tree: Parser.Tree, selection: OffsetRange, binding: Binding): boolean {
  const path = ancestorsOf(tree, selection.start, selection.end);
  return path.some((a) => a.start >= binding.scopeStart && a.end <= binding.scopeEnd && !(a.start === binding.scopeStart && a.end === binding.scopeEnd) && (LOOP_TYPES.has(a.type) || FUNCTION_TYPES.has(a.type)));
}

function declarationKeyword(declaration: DeclarationOccurrence): 'const' | 'let' | 'var' {
  for (let n = declaration.node.parent; n; n = n.parent) {
    if (n.type === 'variable_declaration') return 'var';
    if (n.type === 'lexical_declaration') return n.firstChild?.type === 'const' ? 'const' : 'let';
    if (n.type === 'statement_block' || FUNCTION_TYPES.has(n.type)) break;
  }
  return 'let';
}

/**
 * The parameter's type as its declaration says it (drafters/structural/
 * syntactic-type.ts), copied only when it means the same at top level and
 * cannot have been narrowed on the way to the selection: no explicit union or
 * `unknown`, no local type names; an optional parameter (`T | undefined`) or
 * a named type (maybe an alias of a union) only when the variable is neither
 * tested (`typeof`, `instanceof`, `in`, `===`, a condition, also through its
 * properties) nor assigned before the selection. Otherwise it is left out
 * (TypeScript reads `any` where `noImplicitAny` is off): a wrong type would
 * be a new error, a missing one is not, outside strict mode.
 */
function parameterType(tree: Parser.Tree, text: string, use: OuterUse, selection: OffsetRange, typed: boolean, typeParameters: Map<string, TypeParameterText>): { type?: string } {
  if (!typed) return {};
  const declared = declaredTypeOf(tree, text, use.binding.declarations[0].node);
  if (!declared) return {};
  const type = declared.type;
  if (/[|?]/.test(type) || /^(unknown|object|\{\s*\})$/.test(type)) return {};
  // Type parameters of enclosing declarations become the function's, but only those of a type that is kept.
  const needed = new Map(typeParameters);
  if (!declared.annotations.every((a) => namesVisibleAtTopLevel(tree, text, a, needed))) return {};
  const kept = (): { type: string } => {
    for (const [name, parameter] of needed) typeParameters.set(name, parameter);
    // A function or constructor type binds looser than `|`: `((err: unknown) => E) | undefined`.
    return { type: declared.optional ? `${/=>/.test(type) ? `(${type})` : type} | undefined` : type };
  };
  // Only a union narrows; a named type may be an alias of one (`type Shape = Circle | Square`).
  const narrowable = declared.optional || (NAMED_TYPE.test(type) && !PRIMITIVE_TYPES.has(type));
  if (!narrowable) return kept();
  const narrowed = use.index.occurrences.some(
    (o) => o.role === 'reference' && o.end <= selection.start && use.index.bindingsOf(o).includes(use.binding) && (isTested(o.node) || isWrite(o)),
  );
  if (narrowed) return {};
  return kept();
}

/** A type that names another (`Shape`, `ns.Shape`, `Result<T>`), which may stand for a union. */
const NAMED_TYPE = /^[\p{ID_Start}$_][\p{ID_Continue}$.]*(<.*>)?$/u;
const PRIMITIVE_TYPES: ReadonlySet<string> = new Set(['string', 'number', 'boolean', 'bigint', 'symbol', 'any', 'void', 'never', 'null', 'undefined']);

/** Every name of the type is visible at top level, or a type parameter of an enclosing declaration (added to `typeParameters`). */
function namesVisibleAtTopLevel(tree: Parser.Tree, text: string, node: SyntaxNode, typeParameters: Map<string, TypeParameterText>): boolean {
  if (node.type === 'type_identifier' || (node.type === 'identifier' && node.parent?.type === 'type_query')) {
    const binding = resolveName(tree, text, node)?.binding;
    if (!binding || !binding.scope.parent) return true;
    return node.type === 'type_identifier' && binding.kind === 'type-parameter' && enclosingTypeParameters(tree, text, binding, typeParameters);
  }
  return node.namedChildren.every((c) => namesVisibleAtTopLevel(tree, text, c, typeParameters));
}

/** A reference that may narrow the variable's type: an operand of `typeof`/`instanceof`/`in`, or inside a condition. */
function isTested(reference: SyntaxNode): boolean {
  for (let n: SyntaxNode | null = reference, parent = n.parent; n && parent; n = parent, parent = parent.parent) {
    if (parent.type === 'unary_expression' && parent.firstChild?.type === 'typeof') return true;
    if (parent.type === 'binary_expression' && ['instanceof', 'in', '===', '!==', '==', '!='].includes(parent.childForFieldName('operator')?.type ?? '')) return true;
    const condition = parent.childForFieldName('condition');
    if (condition?.id === n.id && parent.type !== 'for_statement') return true;
    if (parent.type === 'switch_statement' && parent.childForFieldName('value')?.id === n.id) return true;
    if (STATEMENT_LIST_TYPES.has(parent.type) || FUNCTION_TYPES.has(parent.type)) return false;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Where things are and how they are indented.

/** The statement list whose statements the selection is (a selected block is a statement of the list above it). */
function statementList(tree: Parser.Tree, selection: OffsetRange): SyntaxNode | undefined {
  const path = ancestorsOf(tree, selection.start, selection.end, (type) => STATEMENT_LIST_TYPES.has(type));
  for (let depth = path.length - 1; depth >= 0; depth--) {
    const { node, start, end } = path[depth];
    if (!node) continue;
    if (start === selection.start && end === selection.end && node.parent) continue;
    return node;
  }
  return undefined;
}

/** The statement of the program (with its `export`) around the selection. */
function topLevelStatement(tree: Parser.Tree, selection: OffsetRange): SyntaxNode {
  let node = tree.rootNode.descendantForIndex(selection.start, selection.end);
  while (node.parent?.parent) node = node.parent;
  return node;
}

/** After a `// comment` that ends the declaration's last line, so the comment stays with it. */
function afterTrailingComment(text: string, end: number): number {
  const newline = text.indexOf('\n', end);
  const lineEnd = newline < 0 ? text.length : newline;
  return /^\s*\/\/.*$/.test(text.slice(end, lineEnd)) ? lineEnd : end;
}

function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, offset))![0];
}

/** One level of indentation: the selection's indentation beyond its block's line, else the file's first indented line, else two spaces. */
function indentUnit(text: string, callIndent: string, list: SyntaxNode): string {
  const owner = lineIndent(text, list.startIndex);
  if (list.parent && callIndent.length > owner.length && callIndent.startsWith(owner)) return callIndent.slice(owner.length);
  return /\n([ \t]+)\S/.exec(text)?.[1].replace(/^(\t| {2,4}).*$/, '$1') ?? '  ';
}

/** The body when the selection's `return`s also return the variables read after it (extract-returns.ts). */
function valueReturnsBody(text: string, selection: OffsetRange, callIndent: string, unit: string, scan: SelectionScan, valueName: string, returns: readonly ReturnedVariable[]): string {
  const insertions = valueReturns(scan.returnStatements, valueName, returns.map((r) => r.name));
  const moved = insertInto(text, insertions, [selection, ...scan.templates]);
  return reindent(moved.text, moved.ranges[0], callIndent, unit, moved.ranges.slice(1));
}

/** The selection's lines moved from the call site's indentation to one level in; lines inside template strings are text and stay as they are. */
function reindent(text: string, selection: OffsetRange, callIndent: string, unit: string, templates: OffsetRange[]): string {
  const lines = text.slice(selection.start, selection.end).split('\n');
  let offset = selection.start;
  return lines
    .map((line, i) => {
      const lineStart = offset;
      offset += line.length + 1;
      if (i > 0 && templates.some((t) => t.start < lineStart && lineStart < t.end)) return line;
      const content = i === 0 ? line : line.startsWith(callIndent) ? line.slice(callIndent.length) : line.replace(/^[ \t]*/, (ws) => ws.slice(Math.min(ws.length, callIndent.length)));
      return content.trim() === '' ? '' : unit + content;
    })
    .join('\n');
}


