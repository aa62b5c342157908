/**
 * What one file declares, imports and exports, read from the top level of its
 * syntax tree (one pass over the program's statements, never the whole tree).
 * The workspace index keeps one summary per file; broken code gives a partial
 * summary, never an exception.
 */
import type Parser from 'tree-sitter';
import type { ModuleDeclaration, ModuleExport, ModuleImport, ModuleSummary } from '../protocol/workspace.js';
import { declaredNames, summarizeDeclaration } from './declaration-summary.js';

type SyntaxNode = Parser.SyntaxNode;

export function summarizeModule(tree: Parser.Tree, text: string): ModuleSummary {
  const summary: ModuleSummary = { declarations: [], imports: [], exports: [] };
  for (const statement of tree.rootNode.namedChildren) {
    switch (statement.type) {
      case 'import_statement':
        summary.imports.push(...importsOf(statement));
        break;
      case 'export_statement':
        summary.exports.push(...exportsOf(statement));
        addDeclaration(summary.declarations, statement, text);
        break;
      case 'comment':
        break;
      default:
        addDeclaration(summary.declarations, statement, text);
    }
  }
  return summary;
}

function addDeclaration(out: ModuleDeclaration[], statement: SyntaxNode, text: string): void {
  const names = declaredNames(statement);
  const defaultDeclaration = statement.type === 'export_statement' && isDefault(statement) ? statement.childForFieldName('declaration') : null;
  if (names.length === 0 && !defaultDeclaration) return;
  out.push({ names, signature: summarizeDeclaration(statement, text), range: { start: statement.startIndex, end: statement.endIndex } });
}

/** The bindings one `import` statement makes. */
export function importsOf(statement: SyntaxNode): ModuleImport[] {
  const specifier = stringValue(statement.childForFieldName('source'));
  const clause = statement.namedChildren.find((c) => c.type === 'import_clause');
  if (specifier === undefined || !clause) return [];
  const out: ModuleImport[] = [];
  for (const part of clause.namedChildren) {
    if (part.type === 'identifier') {
      out.push({ specifier, imported: 'default', local: part.text, importedRange: rangeOf(part), aliased: false });
    } else if (part.type === 'namespace_import') {
      const local = part.namedChildren.find((c) => c.type === 'identifier');
      if (local) out.push({ specifier, imported: '*', local: local.text, importedRange: rangeOf(local), aliased: false });
    } else if (part.type === 'named_imports') {
      for (const item of part.namedChildren) {
        if (item.type !== 'import_specifier') continue;
        const name = item.childForFieldName('name');
        const alias = item.childForFieldName('alias');
        if (!name) continue;
        out.push({ specifier, imported: nameText(name), local: (alias ?? name).text, importedRange: rangeOf(name), aliased: alias !== null });
      }
    }
  }
  return out;
}

function exportsOf(statement: SyntaxNode): ModuleExport[] {
  const from = stringValue(statement.childForFieldName('source'));
  const declaration = statement.childForFieldName('declaration');
  if (isDefault(statement)) {
    const named = declaration?.childForFieldName('name');
    const value = statement.childForFieldName('value');
    const local = named?.text ?? (value?.type === 'identifier' ? value.text : undefined);
    return [{ exported: 'default', local, aliased: false }];
  }
  if (declaration) return declaredNames(statement).map((name) => ({ exported: name, local: name, aliased: false }));
  const clause = statement.namedChildren.find((c) => c.type === 'export_clause');
  if (clause) {
    return clause.namedChildren
      .filter((s) => s.type === 'export_specifier')
      .flatMap((s): ModuleExport[] => {
        const name = s.childForFieldName('name');
        const alias = s.childForFieldName('alias');
        if (!name) return [];
        return [{ exported: nameText(alias ?? name), local: nameText(name), from, localRange: rangeOf(name), aliased: alias !== null }];
      });
  }
  const namespace = statement.namedChildren.find((c) => c.type === 'namespace_export');
  if (namespace && from !== undefined) {
    const name = namespace.namedChildren[0];
    return name ? [{ exported: nameText(name), from, aliased: false }] : [];
  }
  return from !== undefined ? [{ exported: '*', from, aliased: false }] : [];
}

function isDefault(statement: SyntaxNode): boolean {
  return statement.children.some((c) => c.type === 'default');
}

/** `'./x'` → `./x`; undefined when the node is not a plain string. */
function stringValue(node: SyntaxNode | null): string | undefined {
  if (node?.type !== 'string') return undefined;
  return node.namedChildren.filter((c) => c.type === 'string_fragment').map((c) => c.text).join('');
}

/** An identifier, or a string used as a name (`export {x as "a-b"}`). */
function nameText(node: SyntaxNode): string {
  return node.type === 'string' ? (stringValue(node) ?? node.text) : node.text;
}

function rangeOf(node: SyntaxNode): { start: number; end: number } {
  return { start: node.startIndex, end: node.endIndex };
}
