/**
 * The `<|context|>` section of a prompt: the declarations the scope refers to,
 * shortened to signatures (syntax/declaration-summary.ts) and kept under a
 * budget. Nearest first: the enclosing function's header, then declarations
 * in the enclosing blocks before the scope, then the file's top level
 * (imports, types, functions), then the declarations behind the imported
 * names it uses, from other workspace files (through the workspace index,
 * following re-exports). Imported signatures are written first, under a
 * `// path` line per file, as a reader would look them up; the file's own
 * declarations follow in document order.
 *
 * Cost: the scope's own nodes plus the statements of the blocks around it
 * (one cursor pass per block), never a walk of the whole tree; imported
 * declarations come from the index's summaries, no file is read or parsed.
 */
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Parser from 'tree-sitter';
import type { OffsetRange } from '../protocol/text.js';
import type { ModuleImport, WorkspaceView } from '../protocol/workspace.js';
import { declaredNames, functionHeader, summarizeDeclaration } from '../syntax/declaration-summary.js';
import { importsOf } from '../syntax/module-summary.js';
import { FUNCTION_TYPES, STATEMENT_LIST_TYPES } from '../syntax/node-kinds.js';
import { originOfExport } from '../workspace/export-resolution.js';

type SyntaxNode = Parser.SyntaxNode;

/** Default budget: enough for a handful of signatures, small next to the scope itself. */
export const DEFAULT_CONTEXT_CHARS = 1200;
/** The same budget in tokens (at ~3.5 characters per token of code). */
export const DEFAULT_CONTEXT_TOKENS = 350;

/** How much context fits, in some unit, and what a piece of text costs in it. */
export interface ContextBudget {
  limit: number;
  measure: (text: string) => number;
}

export function charBudget(chars: number): ContextBudget {
  return { limit: chars, measure: (text) => text.length };
}

/**
 * A budget in tokens. `countTokens` is the verifier's tokenizer when the
 * engine has one; without it, the estimate is characters / 3.5 (code runs
 * 3-4 characters per token in the BPE vocabularies specedit pairs with),
 * which is good enough for a budget and costs nothing.
 */
export function tokenBudget(tokens: number, countTokens?: (text: string) => number): ContextBudget {
  return { limit: tokens, measure: countTokens ?? ((text) => Math.ceil(text.length / 3.5)) };
}

/** The document's place in the workspace, for the signatures of what it imports. */
export interface ImportedContext {
  workspace: WorkspaceView;
  uri: string;
}

const NAME_LEAF_TYPES: ReadonlySet<string> = new Set(['identifier', 'type_identifier', 'shorthand_property_identifier']);

interface Entry {
  start: number;
  text: string;
}

export function promptContext(tree: Parser.Tree, text: string, scope: OffsetRange, budget: number | ContextBudget = DEFAULT_CONTEXT_CHARS, imported?: ImportedContext): string {
  const { limit, measure } = typeof budget === 'number' ? charBudget(budget) : budget;
  if (limit <= 0) return '';
  const scopeNode = tree.rootNode.descendantForIndex(scope.start, Math.max(scope.start, scope.end - 1));
  const { names: wanted, members } = referencedNames(scopeNode, scope);
  if (wanted.size === 0) return '';
  let used = 0;
  /** Takes `text` when it fits (each piece costs one more unit for its newline). */
  const fits = (text: string): boolean => {
    const cost = measure(text) + 1;
    if (used + cost > limit) return false;
    used += cost;
    return true;
  };
  const entries: Entry[] = [];
  const imports: ModuleImport[] = [];
  for (let node: SyntaxNode | null = scopeNode; node; node = node.parent) {
    if (FUNCTION_TYPES.has(node.type) && node.startIndex < scope.start) {
      const header = functionHeader(node, text);
      if (fits(header)) entries.push({ start: node.startIndex, text: header });
    }
    if (!STATEMENT_LIST_TYPES.has(node.type)) continue;
    for (const statement of statementsOutside(node, scope)) {
      const names = declaredNames(statement);
      if (!names.some((n) => wanted.has(n))) continue;
      if (statement.type === 'import_statement' && !node.parent) imports.push(...importsOf(statement));
      const summary = summarizeDeclaration(statement, text);
      if (fits(summary)) entries.push({ start: statement.startIndex, text: summary });
    }
  }
  const own = entries.sort((a, b) => a.start - b.start).map((e) => e.text);
  const fromImports = imported ? importedSignatures(imported, imports, wanted, members, fits) : [];
  return [...fromImports, ...own].join('\n');
}

/**
 * The signatures behind the imported names the scope uses, grouped by the
 * file that declares them, in import order, as long as they fit.
 */
function importedSignatures(
  { workspace, uri }: ImportedContext,
  imports: ModuleImport[],
  wanted: Set<string>,
  members: Map<string, Set<string>>,
  fits: (text: string) => boolean,
): string[] {
  const groups = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const imported of imports) {
    if (!wanted.has(imported.local)) continue;
    const target = workspace.resolve(uri, imported.specifier);
    if (!target) continue;
    const names = imported.imported === '*' ? [...(members.get(imported.local) ?? [])] : [imported.imported];
    for (const name of names) {
      const origin = originOfExport(workspace, target, name);
      const signature = origin?.declaration?.signature;
      if (!origin || !signature || seen.has(`${origin.uri}\u0000${signature}`)) continue;
      let group = groups.get(origin.uri);
      // A file's first signature pays for its `// path` line too.
      if (!fits(group ? signature : `// ${pathFrom(uri, origin.uri)}\n${signature}`)) continue;
      seen.add(`${origin.uri}\u0000${signature}`);
      if (!group) groups.set(origin.uri, (group = []));
      group.push(signature);
    }
  }
  return [...groups].flatMap(([file, signatures]) => [`// ${pathFrom(uri, file)}`, ...signatures]);
}

/** `./format.ts`, `../lib/cart.ts`: where the declaring file is, seen from the edited one. */
function pathFrom(fromUri: string, toUri: string): string {
  try {
    const path = relative(dirname(fileURLToPath(fromUri)), fileURLToPath(toUri)).split('\\').join('/');
    return path.startsWith('.') ? path : `./${path}`;
  } catch {
    return toUri;
  }
}

/**
 * Names the scope reads or writes (not property names: `o.x` refers to no
 * declaration by itself), and for each `ns.x` or `ns.X` the members used on
 * `ns` (a namespace import's exports).
 */
function referencedNames(node: SyntaxNode, scope: OffsetRange): { names: Set<string>; members: Map<string, Set<string>> } {
  const names = new Set<string>();
  const members = new Map<string, Set<string>>();
  const cursor = node.walk();
  const visit = (): void => {
    if (cursor.endIndex <= scope.start || cursor.startIndex >= scope.end) return;
    const type = cursor.nodeType;
    if (NAME_LEAF_TYPES.has(type)) names.add(cursor.nodeText);
    if (type === 'member_expression' || type === 'nested_type_identifier') noteMember(cursor.currentNode, members);
    if (cursor.gotoFirstChild()) {
      do visit();
      while (cursor.gotoNextSibling());
      cursor.gotoParent();
    }
  };
  visit();
  return { names, members };
}

function noteMember(node: SyntaxNode, members: Map<string, Set<string>>): void {
  const object = node.childForFieldName(node.type === 'member_expression' ? 'object' : 'module');
  const member = node.childForFieldName(node.type === 'member_expression' ? 'property' : 'name');
  if (object?.type !== 'identifier' || !member) return;
  let set = members.get(object.text);
  if (!set) members.set(object.text, (set = new Set()));
  set.add(member.text);
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
