/**
 * Which text a model edit rewrites: the task's range grown to the syntax the
 * edit kind needs. The shipped models are trained on whole functions (a
 * function declaration, a method, or `const f = () => ...`, with its `export`),
 * so extract, fix and rename prompts show the function around the range;
 * a loop is rewritten alone; an instruction works on what was selected, grown
 * to whole statements.
 */
import type Parser from 'tree-sitter';
import type { EditKind } from '../protocol/edit-task.js';
import type { OffsetRange } from '../protocol/text.js';
import { FUNCTION_TYPES, LOOP_TYPES } from '../syntax/node-kinds.js';
import { rangeOf, trimWhitespace } from '../syntax/ranges.js';

type SyntaxNode = Parser.SyntaxNode;

export interface EditScope {
  range: OffsetRange;
  text: string;
  /** What the range was grown to, for logs and tests. */
  unit: 'function' | 'loop' | 'statement' | 'selection' | 'lines';
}

/** Declarations that are one unit of a function for the models (as in training/gen-edits.ts). */
const FUNCTION_UNIT_TYPES: ReadonlySet<string> = new Set(['function_declaration', 'generator_function_declaration', 'method_definition']);
const VARIABLE_STATEMENT_TYPES: ReadonlySet<string> = new Set(['lexical_declaration', 'variable_declaration']);

export function editScope(kind: EditKind, tree: Parser.Tree, text: string, range: OffsetRange): EditScope {
  const trimmed = trimWhitespace(text, range);
  switch (kind) {
    case 'optimizeLoop':
      return loopScope(tree, text, trimmed) ?? statementScope(tree, text, trimmed);
    case 'instruction':
      return instructionScope(tree, text, trimmed);
    case 'extract':
      return functionScope(tree, text, trimmed) ?? scopeOf(text, trimmed, 'selection');
    case 'fix':
    case 'rename':
      return functionScope(tree, text, trimmed) ?? statementScope(tree, text, trimmed);
  }
}

/** The innermost function unit containing `range`, with its `export` keyword. */
export function functionScope(tree: Parser.Tree, text: string, range: OffsetRange): EditScope | undefined {
  for (let node: SyntaxNode | null = smallestCovering(tree, range); node; node = node.parent) {
    if (FUNCTION_UNIT_TYPES.has(node.type) || isFunctionVariable(node)) return scopeOf(text, rangeOf(withExport(node)), 'function');
  }
  return undefined;
}

function loopScope(tree: Parser.Tree, text: string, range: OffsetRange): EditScope | undefined {
  for (let node: SyntaxNode | null = smallestCovering(tree, range); node; node = node.parent) {
    if (LOOP_TYPES.has(node.type)) return scopeOf(text, rangeOf(node), 'loop');
  }
  return undefined;
}

/** The innermost statement or declaration containing `range`; the covering lines when the tree has none (broken code). */
function statementScope(tree: Parser.Tree, text: string, range: OffsetRange): EditScope {
  for (let node: SyntaxNode | null = smallestCovering(tree, range); node; node = node.parent) {
    if (node.type === 'program') break;
    if (isStatementLike(node) && !node.isError) return scopeOf(text, rangeOf(withExport(node)), 'statement');
  }
  return linesScope(text, range);
}

/**
 * A selection of whole statements (or a whole function) is kept as it is;
 * a cursor means the function around it; a partial selection grows to the
 * innermost statement or declaration that contains it.
 */
function instructionScope(tree: Parser.Tree, text: string, range: OffsetRange): EditScope {
  if (range.start === range.end) return functionScope(tree, text, range) ?? statementScope(tree, text, range);
  if (coversWholeNodes(tree, range)) return scopeOf(text, range, 'selection');
  return statementScope(tree, text, range);
}

/** True when `range` starts where a statement-like node starts and ends where one (a sibling or the same) ends. */
function coversWholeNodes(tree: Parser.Tree, range: OffsetRange): boolean {
  const first = outermostStartingAt(tree, range.start);
  if (!first || first.endIndex > range.end) return false;
  for (let node: SyntaxNode | null = first; node && node.startIndex < range.end; node = node.nextNamedSibling) {
    if (node.endIndex === range.end) return true;
    if (node.endIndex > range.end) return false;
  }
  return false;
}

/** The outermost statement-like node that starts exactly at `offset`. */
function outermostStartingAt(tree: Parser.Tree, offset: number): SyntaxNode | undefined {
  let found: SyntaxNode | undefined;
  for (let node: SyntaxNode | null = tree.rootNode.descendantForIndex(offset, offset); node && node.startIndex === offset; node = node.parent) {
    if (isStatementLike(node) || FUNCTION_TYPES.has(node.type)) found = node;
  }
  return found;
}

function isStatementLike(node: SyntaxNode): boolean {
  const type = node.type;
  return type.endsWith('_statement') || type.endsWith('_declaration') || type.endsWith('_definition') || type === 'class_declaration';
}

function isFunctionVariable(node: SyntaxNode): boolean {
  if (!VARIABLE_STATEMENT_TYPES.has(node.type) || node.namedChildCount !== 1) return false;
  const value = node.namedChild(0)?.childForFieldName('value');
  return value !== null && value !== undefined && (value.type === 'arrow_function' || value.type === 'function_expression');
}

function withExport(node: SyntaxNode): SyntaxNode {
  const parent = node.parent;
  return parent?.type === 'export_statement' ? parent : node;
}

function smallestCovering(tree: Parser.Tree, range: OffsetRange): SyntaxNode {
  return tree.rootNode.descendantForIndex(range.start, Math.max(range.start, range.end - 1));
}

/** Whole lines around `range`, without the final line break. */
function linesScope(text: string, range: OffsetRange): EditScope {
  const start = text.lastIndexOf('\n', range.start - 1) + 1;
  const newline = text.indexOf('\n', range.end);
  const end = newline < 0 ? text.length : newline;
  return scopeOf(text, { start, end: Math.max(start, end) }, 'lines');
}

function scopeOf(text: string, range: OffsetRange, unit: EditScope['unit']): EditScope {
  return { range, text: text.slice(range.start, range.end), unit };
}

