import type Parser from 'tree-sitter';
import type { OffsetRange } from '../protocol/text.js';

/** Member names: `o.name`, `name() {}`, `name: 1` in a class or an object type, `#name`. */
const MEMBER_NAMES: ReadonlySet<string> = new Set(['property_identifier', 'private_property_identifier']);

/**
 * The member name at `offset` (a property, method, accessor or `#private`
 * member, declared or used): what a rename there renames through the type
 * checker (engine/workspace-rename.ts), offered by prepareRename.
 */
export function memberNameAt(tree: Parser.Tree, text: string, offset: number): { range: OffsetRange; name: string } | undefined {
  for (const at of offset > 0 ? [offset, offset - 1] : [offset]) {
    const node = tree.rootNode.descendantForIndex(at, at);
    if (MEMBER_NAMES.has(node.type) || isSpecifierName(node)) return { range: { start: node.startIndex, end: node.endIndex }, name: text.slice(node.startIndex, node.endIndex) };
  }
  return undefined;
}

/**
 * A name of an import or export clause that is no local binding (`export { Err } from './result'`, the public
 * name of `export { a as b }`, the other module's name of `import { a as b }`): TypeScript's rename renames it
 * (drafters/structural/rename.ts hands it over), so prepareRename offers it too.
 */
function isSpecifierName(node: Parser.SyntaxNode): boolean {
  return node.type === 'identifier' && (node.parent?.type === 'export_specifier' || node.parent?.type === 'import_specifier');
}
