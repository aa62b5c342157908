import type Parser from 'tree-sitter';
import type { OffsetRange } from '../protocol/text.js';
import type { BindingKind } from './name-occurrence.js';
import { ancestorsOf, type Ancestor } from './ancestry.js';
import { nameLeafAt, resolveName } from './name-resolution.js';
import { FUNCTION_TYPES, LOOP_TYPES, STATEMENT_LIST_TYPES } from './node-kinds.js';
import { rangeOf, trimWhitespace } from './ranges.js';

type SyntaxNode = Parser.SyntaxNode;

export type LoopKind = 'for' | 'for_in' | 'for_of' | 'while' | 'do';

/** The syntax a code action can work on at a range; each part is absent where it does not apply. */
export interface ActionScopes {
  /** The cursor or selection is on a name of a binding declared in this file (what a rename can change). */
  identifier?: { range: OffsetRange; name: string; bindingKind: BindingKind };
  /** The selection, trimmed of whitespace, is exactly one or more whole statements of one block. */
  statements?: { range: OffsetRange; count: number };
  /** The innermost loop statement around the range (or the one selected). */
  loop?: { range: OffsetRange; kind: LoopKind };
  /** The innermost function, method or arrow function around the range. */
  function?: { range: OffsetRange; name?: string };
  /** The top-level statement that contains the whole range. */
  enclosingDeclaration?: { range: OffsetRange };
}

/**
 * What code actions can be offered at `range`, with no model work. Cost is
 * the depth of the tree at the range plus the occurrences of one name, never
 * the size of the file: one cursor descent from the root reads the nodes
 * around the range, and the tree is never walked as a whole.
 */
export function findActionScopes(tree: Parser.Tree, text: string, range: OffsetRange): ActionScopes {
  const trimmed = trimWhitespace(text, range);
  const keep = (type: string) => LOOP_TYPES.has(type) || FUNCTION_TYPES.has(type) || STATEMENT_LIST_TYPES.has(type);
  const path = ancestorsOf(tree, trimmed.start, trimmed.end, keep);
  const scopes: ActionScopes = {};
  const identifier = identifierAt(tree, text, trimmed, path);
  if (identifier) scopes.identifier = identifier;
  const statements = wholeStatements(path, trimmed);
  if (statements) scopes.statements = statements;
  const loop = deepest(path, LOOP_TYPES);
  if (loop) scopes.loop = { range: rangeOf(loop), kind: loopKind(loop) };
  const fn = deepest(path, FUNCTION_TYPES);
  if (fn) scopes.function = { range: rangeOf(fn), ...functionName(fn) };
  if (path.length > 1) scopes.enclosingDeclaration = { range: { start: path[1].start, end: path[1].end } };
  return scopes;
}

function identifierAt(tree: Parser.Tree, text: string, range: OffsetRange, path: Ancestor[]): ActionScopes['identifier'] {
  const leaf = nameLeafAt(tree, range.start);
  if (!leaf || leaf.endIndex < range.end) return undefined;
  const binding = resolveName(tree, text, leaf, path)?.binding;
  // Enum members are bindings only inside their enum; elsewhere they are properties (`E.A`).
  if (!binding || binding.kind === 'enum-member') return undefined;
  return { range: rangeOf(leaf), name: binding.name, bindingKind: binding.kind };
}

/**
 * Whole statements of one statement list: the trimmed selection must start
 * where a statement starts and end where one ends, with only statements and
 * comments between. Statements are read with a cursor from the first one, so a
 * huge block costs only the statements selected.
 */
function wholeStatements(path: Ancestor[], range: OffsetRange): ActionScopes['statements'] {
  if (range.start === range.end) return undefined;
  for (let depth = path.length - 1; depth >= 0; depth--) {
    const list = path[depth].node;
    if (!list || !STATEMENT_LIST_TYPES.has(path[depth].type)) continue;
    const count = statementsCovering(list, range);
    // A block whose braces are selected is itself one statement of the list above it.
    if (count > 0 || depth !== path.length - 1) return count > 0 ? { range, count } : undefined;
  }
  return undefined;
}

/** How many statements of `list` exactly cover `range`, or 0 when the range cuts through something. */
function statementsCovering(list: SyntaxNode, { start, end }: OffsetRange): number {
  const cursor = list.walk();
  if (cursor.gotoFirstChildForIndex(start) === null || cursor.startIndex !== start) return 0;
  const caseClause = list.type === 'switch_case' || list.type === 'switch_default';
  let count = 0;
  for (;;) {
    if (cursor.endIndex > end) return 0;
    const isComment = cursor.nodeType === 'comment';
    const isStatement = cursor.nodeIsNamed && !isComment && (!caseClause || cursor.currentFieldName === 'body');
    if (!isStatement && !isComment) return 0;
    if (isStatement) count++;
    if (cursor.endIndex === end) return count;
    if (!cursor.gotoNextSibling() || cursor.startIndex >= end) return 0;
  }
}

function loopKind(loop: SyntaxNode): LoopKind {
  switch (loop.type) {
    case 'for_in_statement':
      return loop.childForFieldName('operator')?.type === 'of' ? 'for_of' : 'for_in';
    case 'while_statement':
      return 'while';
    case 'do_statement':
      return 'do';
    default:
      return 'for';
  }
}

/** A function's own name, or the name it is assigned to (`const f = () => {}`, `m: function () {}`, `m = () => {}`). */
function functionName(fn: SyntaxNode): { name?: string } {
  const own = fn.childForFieldName('name');
  if (own) return { name: own.text };
  const holder = fn.parent;
  const field = holder?.type === 'variable_declarator' || holder?.type === 'public_field_definition' ? 'name'
    : holder?.type === 'pair' ? 'key'
    : holder?.type === 'assignment_expression' ? 'left'
    : undefined;
  const name = field ? holder!.childForFieldName(field) : null;
  return name && name.id !== fn.id && !name.type.endsWith('pattern') ? { name: name.text } : {};
}

function deepest(path: Ancestor[], types: ReadonlySet<string>): SyntaxNode | undefined {
  for (let depth = path.length - 1; depth >= 0; depth--) if (types.has(path[depth].type)) return path[depth].node;
  return undefined;
}

