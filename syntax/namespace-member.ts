/**
 * `ns.a` (expression, `typeof ns.a` included) and `ns.A` (type) where `ns` is
 * a namespace import (`import * as ns from './x'`): the member is another
 * module's export, not a local binding. Renames of exports read it here (the
 * member to rename, and a rename that starts on one).
 */
import type Parser from 'tree-sitter';
import type { OffsetRange } from '../protocol/text.js';
import { nameLeafAt, resolveName } from './name-resolution.js';

type SyntaxNode = Parser.SyntaxNode;

export interface NamespaceMember {
  /** The member's name (`a` of `ns.a`) and its range. */
  name: string;
  range: OffsetRange;
  /** Where the namespace import declares `ns` (the `ns` of `import * as ns`): ModuleImport.importedRange.start. */
  namespaceAt: number;
}

/** The namespace member at `offset` (a cursor just after it counts), or undefined when there is none. */
export function namespaceMemberAt(tree: Parser.Tree, text: string, offset: number): NamespaceMember | undefined {
  const leaf = nameLeafAt(tree, offset);
  const object = leaf && namespaceBefore(leaf);
  if (!leaf || !object || object.type !== 'identifier') return undefined;
  const binding = resolveName(tree, text, object)?.binding;
  const declaredAt = binding?.kind === 'import' ? binding.declarations[0].start : undefined;
  if (declaredAt === undefined || tree.rootNode.descendantForIndex(declaredAt, declaredAt).parent?.type !== 'namespace_import') return undefined;
  return { name: text.slice(leaf.startIndex, leaf.endIndex), range: { start: leaf.startIndex, end: leaf.endIndex }, namespaceAt: declaredAt };
}

/** The `a` of `ns.a` or `ns.A` when `node` is the `ns`. */
export function memberNameAfter(node: SyntaxNode): SyntaxNode | undefined {
  const parent = node.parent;
  if (parent?.type === 'member_expression' && parent.childForFieldName('object')?.id === node.id) return parent.childForFieldName('property') ?? undefined;
  if (parent?.type === 'nested_type_identifier' && parent.childForFieldName('module')?.id === node.id) return parent.childForFieldName('name') ?? undefined;
  return undefined;
}

/** The `ns` of `ns.a` or `ns.A` when `node` is the `a`. */
function namespaceBefore(node: SyntaxNode): SyntaxNode | undefined {
  const parent = node.parent;
  if (parent?.type === 'member_expression' && parent.childForFieldName('property')?.id === node.id) return parent.childForFieldName('object') ?? undefined;
  if (parent?.type === 'nested_type_identifier' && parent.childForFieldName('name')?.id === node.id) return parent.childForFieldName('module') ?? undefined;
  return undefined;
}
