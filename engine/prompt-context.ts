/**
 * The `<|context|>` section of a prompt: the declarations the scope refers to,
 * from the same file, shortened to signatures and kept under a character
 * budget. Nearest first: the enclosing function's header, then declarations
 * in the enclosing blocks before the scope, then the file's top level
 * (imports, types, functions); written out in document order.
 *
 * Cost: the scope's own nodes plus the statements of the blocks around it
 * (one cursor pass per block), never a walk of the whole tree.
 */
import type Parser from 'tree-sitter';
import type { OffsetRange } from '../protocol/text.js';
import { FUNCTION_TYPES, STATEMENT_LIST_TYPES } from '../syntax/node-kinds.js';

type SyntaxNode = Parser.SyntaxNode;

/** Default budget: enough for a handful of signatures, small next to the scope itself. */
export const DEFAULT_CONTEXT_CHARS = 1200;
/** A declaration longer than this is shown as its first line. */
const FULL_TEXT_LIMIT = 240;

const NAME_LEAF_TYPES: ReadonlySet<string> = new Set(['identifier', 'type_identifier', 'shorthand_property_identifier']);
const BODY_FIELDS = ['body'];

interface Entry {
  start: number;
  text: string;
}

export function promptContext(tree: Parser.Tree, text: string, scope: OffsetRange, budgetChars = DEFAULT_CONTEXT_CHARS): string {
  if (budgetChars <= 0) return '';
  const scopeNode = tree.rootNode.descendantForIndex(scope.start, Math.max(scope.start, scope.end - 1));
  const wanted = referencedNames(scopeNode, scope);
  if (wanted.size === 0) return '';
  const entries: Entry[] = [];
  let used = 0;
  const add = (entry: Entry): boolean => {
    if (used + entry.text.length + 1 > budgetChars) return false;
    entries.push(entry);
    used += entry.text.length + 1;
    return true;
  };
  for (let node: SyntaxNode | null = scopeNode; node; node = node.parent) {
    if (FUNCTION_TYPES.has(node.type) && node.startIndex < scope.start) add({ start: node.startIndex, text: headerOf(node, text) });
    if (!STATEMENT_LIST_TYPES.has(node.type)) continue;
    for (const statement of statementsOutside(node, scope)) {
      const names = declaredNames(statement);
      if (!names.some((n) => wanted.has(n))) continue;
      add({ start: statement.startIndex, text: summarize(statement, text) });
    }
  }
  return entries
    .sort((a, b) => a.start - b.start)
    .map((e) => e.text)
    .join('\n');
}

/** Names the scope reads or writes (not property names: `o.x` refers to no declaration by itself). */
function referencedNames(node: SyntaxNode, scope: OffsetRange): Set<string> {
  const names = new Set<string>();
  const cursor = node.walk();
  const visit = (): void => {
    if (cursor.endIndex <= scope.start || cursor.startIndex >= scope.end) return;
    if (NAME_LEAF_TYPES.has(cursor.nodeType)) names.add(cursor.nodeText);
    if (cursor.gotoFirstChild()) {
      do visit();
      while (cursor.gotoNextSibling());
      cursor.gotoParent();
    }
  };
  visit();
  return names;
}

/** The statements of a statement list that do not overlap the scope. */
function statementsOutside(list: SyntaxNode, scope: OffsetRange): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const cursor = list.walk();
  if (!cursor.gotoFirstChild()) return out;
  do {
    if (!cursor.nodeIsNamed || cursor.nodeType === 'comment') continue;
    if (cursor.endIndex <= scope.start || cursor.startIndex >= scope.end) out.push(cursor.currentNode);
  } while (cursor.gotoNextSibling());
  return out;
}

function declaredNames(statement: SyntaxNode): string[] {
  switch (statement.type) {
    case 'export_statement': {
      const declaration = statement.childForFieldName('declaration');
      return declaration ? declaredNames(declaration) : [];
    }
    case 'lexical_declaration':
    case 'variable_declaration':
      return statement.namedChildren.flatMap((d) => namesInPattern(d.childForFieldName('name')));
    case 'import_statement':
      return statement.namedChildren.filter((c) => c.type === 'import_clause').flatMap((c) => namesInPattern(c));
    default: {
      const name = statement.childForFieldName('name');
      return name ? [name.text] : [];
    }
  }
}

/** Identifiers a pattern or an import clause binds (the local side of `a as b`). */
function namesInPattern(node: SyntaxNode | null): string[] {
  if (!node) return [];
  if (node.type === 'identifier' || node.type === 'shorthand_property_identifier_pattern') return [node.text];
  if (node.type === 'import_specifier') {
    const local = node.childForFieldName('alias') ?? node.childForFieldName('name');
    return local ? [local.text] : [];
  }
  if (node.type === 'pair_pattern') return namesInPattern(node.childForFieldName('value'));
  return node.namedChildren.flatMap((c) => namesInPattern(c));
}

/** A declaration as the model needs it: signatures instead of bodies, short declarations whole. */
function summarize(statement: SyntaxNode, text: string): string {
  const target = statement.type === 'export_statement' ? (statement.childForFieldName('declaration') ?? statement) : statement;
  const prefix = text.slice(statement.startIndex, target.startIndex);
  switch (target.type) {
    case 'function_declaration':
    case 'generator_function_declaration':
      return prefix + headerOf(target, text) + ';';
    case 'class_declaration':
    case 'abstract_class_declaration':
      return prefix + classOutline(target, text);
    case 'lexical_declaration':
    case 'variable_declaration': {
      const value = target.namedChild(0)?.childForFieldName('value');
      if (value && (value.type === 'arrow_function' || value.type === 'function_expression')) {
        return prefix + text.slice(target.startIndex, bodyStart(value) ?? value.endIndex).trimEnd() + ' …';
      }
      return prefix + shortened(text.slice(target.startIndex, target.endIndex));
    }
    default:
      return prefix + shortened(text.slice(target.startIndex, target.endIndex));
  }
}

/** A function's text up to its body: `function f(a: A): R`, `m(x)`, `(a) =>`. */
function headerOf(fn: SyntaxNode, text: string): string {
  const own = fn.type === 'arrow_function' || fn.type === 'function_expression' ? declarationAround(fn) : fn;
  const holder = own.parent?.type === 'export_statement' ? own.parent : own;
  return text.slice(holder.startIndex, bodyStart(fn) ?? fn.endIndex).trimEnd();
}

/** `const f = (...) =>` for an arrow function held by a variable; the function itself otherwise. */
function declarationAround(fn: SyntaxNode): SyntaxNode {
  const declarator = fn.parent;
  if (declarator?.type !== 'variable_declarator') return fn;
  return declarator.parent ?? fn;
}

function bodyStart(fn: SyntaxNode): number | undefined {
  for (const field of BODY_FIELDS) {
    const body = fn.childForFieldName(field);
    if (body) return body.startIndex;
  }
  return undefined;
}

function classOutline(cls: SyntaxNode, text: string): string {
  const body = cls.childForFieldName('body');
  if (!body) return shortened(cls.text);
  const members = body.namedChildren
    .filter((m) => m.type !== 'comment')
    .map((m) => '  ' + (m.type === 'method_definition' ? headerOf(m, text) + ';' : shortened(text.slice(m.startIndex, m.endIndex))));
  return `${text.slice(cls.startIndex, body.startIndex).trimEnd()} {\n${members.join('\n')}\n}`;
}

function shortened(declaration: string): string {
  if (declaration.length <= FULL_TEXT_LIMIT) return declaration;
  return declaration.split('\n')[0].trimEnd() + ' …';
}
