import type Parser from 'tree-sitter';

type SyntaxNode = Parser.SyntaxNode;

/**
 * Node types of tree-sitter-typescript 0.23 (and its tsx twin) that the scope
 * and action analyses care about, in one place so both read the grammar the
 * same way.
 */

/** Functions with a body: each is one scope for its parameters and its body's declarations. */
export const FUNCTION_TYPES: ReadonlySet<string> = new Set([
  'function_declaration',
  'function_expression',
  'generator_function_declaration',
  'generator_function',
  'arrow_function',
  'method_definition',
]);

/** Loop statements, by the kind an action reports. `for_in_statement` covers both `in` and `of`. */
export const LOOP_TYPES: ReadonlySet<string> = new Set(['for_statement', 'for_in_statement', 'while_statement', 'do_statement']);

/** Nodes whose children are a list of statements. */
export const STATEMENT_LIST_TYPES: ReadonlySet<string> = new Set(['program', 'statement_block', 'switch_case', 'switch_default']);

/** Leaves that can name a binding or refer to one. */
export const NAME_TYPES: ReadonlySet<string> = new Set([
  'identifier',
  'type_identifier',
  'shorthand_property_identifier',
  'shorthand_property_identifier_pattern',
  'property_identifier', // only enum members are bindings; other properties are not
]);

/** Destructuring syntax a declared name can sit inside. */
export const PATTERN_TYPES: ReadonlySet<string> = new Set([
  'object_pattern',
  'array_pattern',
  'pair_pattern',
  'object_assignment_pattern',
  'assignment_pattern',
  'rest_pattern',
]);

/** True when `child` is the node in `parent`'s field `field`. */
export function isField(parent: SyntaxNode, field: string, child: SyntaxNode): boolean {
  return parent.childForFieldName(field)?.id === child.id;
}

/**
 * The scope that `let`, `const`, `class` and block-level functions declared as
 * children of `node` (or of its wrappers) belong to: the nearest block, switch
 * body, `for` head, function or program. A function's body block is merged
 * into the function, where its parameters live, as in JavaScript.
 */
export function blockScopeOf(node: SyntaxNode): SyntaxNode {
  for (let n: SyntaxNode | null = node; n; n = n.parent) {
    // The root is the module scope whatever its type: on badly broken text tree-sitter's root is an ERROR node.
    if (!n.parent) return n;
    switch (n.type) {
      case 'program':
      case 'switch_body':
      case 'for_statement':
      case 'for_in_statement':
      case 'class_static_block':
        return n;
      case 'statement_block':
        return mergedFunctionScope(n);
      default:
        if (FUNCTION_TYPES.has(n.type)) return n;
    }
  }
  throw new Error('a node outside any tree');
}

/** The scope `var` declarations inside `node` hoist to: the nearest function, static block, namespace body or program. */
export function varScopeOf(node: SyntaxNode): SyntaxNode {
  for (let n: SyntaxNode | null = node; n; n = n.parent) {
    if (!n.parent || n.type === 'program' || n.type === 'class_static_block' || FUNCTION_TYPES.has(n.type)) return n;
    if (n.type === 'statement_block') {
      const owner = n.parent?.type;
      if (owner === 'internal_module' || owner === 'module' || owner === 'class_static_block' || FUNCTION_TYPES.has(owner ?? '')) {
        return mergedFunctionScope(n);
      }
    }
  }
  throw new Error('a node outside any tree');
}

function mergedFunctionScope(block: SyntaxNode): SyntaxNode {
  const owner = block.parent;
  return owner && (FUNCTION_TYPES.has(owner.type) || owner.type === 'class_static_block') ? owner : block;
}
