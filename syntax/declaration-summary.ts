/**
 * Declarations shortened to what a reader needs: signatures instead of
 * bodies, short declarations whole. Shared by the prompt context of one file
 * (engine/prompt-context.ts) and the workspace index's per-file summaries
 * (syntax/module-summary.ts), so a declaration reads the same from the file
 * itself and from a file that imports it.
 */
import type Parser from 'tree-sitter';

type SyntaxNode = Parser.SyntaxNode;

/** A declaration longer than this is shown as its first line. */
const FULL_TEXT_LIMIT = 240;
const BODY_FIELDS = ['body'];

/** The names a statement declares (the local side of imports; `export` unwrapped). */
export function declaredNames(statement: SyntaxNode): string[] {
  switch (statement.type) {
    case 'export_statement': {
      const declaration = statement.childForFieldName('declaration');
      return declaration ? declaredNames(declaration) : [];
    }
    case 'ambient_declaration': {
      const declaration = statement.namedChildren.find((c) => c.type !== 'comment');
      return declaration ? declaredNames(declaration) : [];
    }
    case 'lexical_declaration':
    case 'variable_declaration':
      return statement.namedChildren.flatMap((d) => namesInPattern(d.childForFieldName('name')));
    case 'import_statement':
      return statement.namedChildren.filter((c) => c.type === 'import_clause').flatMap((c) => namesInPattern(c));
    case 'expression_statement': // `namespace A {}` is an expression statement holding an internal_module
      return statement.firstNamedChild?.type === 'internal_module' ? declaredNames(statement.firstNamedChild) : [];
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
export function summarizeDeclaration(statement: SyntaxNode, text: string): string {
  const target = statement.type === 'export_statement' ? (statement.childForFieldName('declaration') ?? statement) : statement;
  const prefix = text.slice(statement.startIndex, target.startIndex);
  switch (target.type) {
    case 'function_declaration':
    case 'generator_function_declaration':
      return functionHeader(target, text) + ';'; // the header starts at its `export`
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
export function functionHeader(fn: SyntaxNode, text: string): string {
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
    .map((m) => '  ' + (m.type === 'method_definition' ? functionHeader(m, text) + ';' : shortened(text.slice(m.startIndex, m.endIndex))));
  return `${text.slice(cls.startIndex, body.startIndex).trimEnd()} {\n${members.join('\n')}\n}`;
}

function shortened(declaration: string): string {
  if (declaration.length <= FULL_TEXT_LIMIT) return declaration;
  return declaration.split('\n')[0].trimEnd() + ' …';
}
