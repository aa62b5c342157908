import type Parser from 'tree-sitter';

type SyntaxNode = Parser.SyntaxNode;

/**
 * tree-sitter-typescript 0.23 has no rule for TypeScript 4.7 variance
 * annotations. It reads the modifier as the type parameter's name and puts the
 * real name in an ERROR node, in one of two places:
 *
 *     <in T>             (type_parameter name: `in`) (ERROR (identifier `T`))
 *     <in out T>         (type_parameter name: `in`) (ERROR (identifier `out`) (identifier `T`))
 *     <out T extends X>  (type_parameter name: `out` (ERROR (identifier `T`)) constraint: ...)
 *
 * This module recognises exactly these shapes, on the declarations where
 * TypeScript allows variance (classes, interfaces, type aliases), so that
 * diagnostics can skip the false error and scope analysis can find the name.
 */
const VARIANCE_OWNERS = new Set([
  'interface_declaration',
  'class_declaration',
  'abstract_class_declaration',
  'class',
  'type_alias_declaration',
]);

interface VarianceParts {
  /** The `type_parameter` node whose `name` field holds the first modifier. */
  parameter: SyntaxNode;
  /** The identifier that is the type parameter's real name. */
  name: SyntaxNode;
}

/** The type parameter and real name when `error` is a misparsed variance annotation, else undefined. */
export function varianceParts(error: SyntaxNode): VarianceParts | undefined {
  if (!error.isError) return undefined;
  const parameter = misparsedParameterOf(error);
  const modifier = parameter?.childForFieldName('name')?.text;
  if (!parameter || (modifier !== 'in' && modifier !== 'out')) return undefined;
  if (!VARIANCE_OWNERS.has(parameter.parent?.parent?.type ?? '')) return undefined;
  const words = error.children;
  if (!words.every(word => word.type === 'identifier')) return undefined;
  const followsIn = words.length === 2 && modifier === 'in' && words[0].text === 'out';
  return words.length === 1 || followsIn ? { parameter, name: words[words.length - 1] } : undefined;
}

/** The type parameter's real name: its `name` field, or the identifier a variance annotation pushed into an ERROR. */
export function typeParameterName(parameter: SyntaxNode): SyntaxNode | undefined {
  const name = parameter.childForFieldName('name');
  if (name?.text !== 'in' && name?.text !== 'out') return name ?? undefined;
  const error = name.nextSibling?.isError ? name.nextSibling : parameter.nextSibling;
  const parts = error ? varianceParts(error) : undefined;
  return parts?.parameter.id === parameter.id ? parts.name : name;
}

/** The type_parameter an ERROR follows: its parent (constrained form) or its previous sibling (bare form). */
function misparsedParameterOf(error: SyntaxNode): SyntaxNode | undefined {
  const parent = error.parent;
  if (parent?.type === 'type_parameter') {
    return error.previousSibling?.id === parent.childForFieldName('name')?.id ? parent : undefined;
  }
  const previous = error.previousSibling;
  if (parent?.type === 'type_parameters' && previous?.type === 'type_parameter' && previous.childCount === 1) {
    return previous;
  }
  return undefined;
}
