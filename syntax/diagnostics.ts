import type Parser from 'tree-sitter';
import type { OffsetRange } from '../protocol/text.js';
import { varianceParts } from './variance.js';
import { rangeOf } from './ranges.js';

type SyntaxNode = Parser.SyntaxNode;

export interface SyntaxProblem {
  range: OffsetRange;
  message: string;
}

/** How much of an unexpected fragment a message quotes. */
const QUOTE_LIMIT = 40;

/**
 * The syntax errors of a tree: one problem per ERROR node (its whole range) and
 * per MISSING node (an empty range where the token should be), in document
 * order, without duplicates. An ERROR's contents are not reported again: one
 * mistake gives one problem. Descends only into subtrees that contain an error,
 * so a clean 5,000-line file costs one check of the root.
 */
export function syntaxProblems(tree: Parser.Tree): SyntaxProblem[] {
  const problems = new Map<string, SyntaxProblem>();
  const visit = (node: SyntaxNode): void => {
    const problem = problemAt(node);
    if (problem) {
      problems.set(`${problem.range.start}:${problem.range.end}:${problem.message}`, problem);
      return;
    }
    if (node.isError) return; // a variance annotation: valid TypeScript the grammar lacks
    for (const child of node.children) if (child.hasError) visit(child);
  };
  if (tree.rootNode.hasError) visit(tree.rootNode);
  return [...problems.values()].sort((a, b) => a.range.start - b.range.start || a.range.end - b.range.end);
}

function problemAt(node: SyntaxNode): SyntaxProblem | undefined {
  const range = rangeOf(node);
  if (node.isMissing) {
    // Anonymous nodes are tokens (`;`, `)`), quoted; named ones are kinds (identifier), not.
    const what = node.isNamed ? node.type.replaceAll('_', ' ') : `\`${node.type}\``;
    return { range, message: `Syntax error: missing ${what}` };
  }
  if (!node.isError || varianceParts(node)) return undefined;
  return { range, message: unexpectedMessage(node.text) };
}

function unexpectedMessage(fragment: string): string {
  const line = fragment.trim().split('\n')[0].trim();
  if (line === '') return 'Syntax error: unexpected end of input';
  const characters = [...line]; // by code point: never cut an emoji in half
  const quoted = characters.length > QUOTE_LIMIT ? `${characters.slice(0, QUOTE_LIMIT).join('')}…` : line;
  return `Syntax error: unexpected \`${quoted}\``;
}
