import type Parser from 'tree-sitter';

type SyntaxNode = Parser.SyntaxNode;

/** One node on the way from the root down to a range. */
export interface Ancestor {
  type: string;
  start: number;
  end: number;
  /** Present where the caller's `keep` asked for it: building a node object is the costly part. */
  node?: SyntaxNode;
}

/**
 * The nodes that contain `[start, end)`, from the root down to the smallest
 * (the chain `descendantForIndex(start, end)` would be the end of), read in one
 * descent with a tree cursor. In the Node binding each `node.parent` searches
 * down from the root again and each node object costs a native allocation, so
 * one descent reading types and ranges is several times cheaper than walking
 * up. For an empty range, a node contains it when it ends after it.
 */
export function ancestorsOf(tree: Parser.Tree, start: number, end: number, keep: (type: string) => boolean = () => false): Ancestor[] {
  const cursor = tree.walk();
  const path: Ancestor[] = [];
  const record = () => {
    const type = cursor.nodeType;
    const ancestor: Ancestor = { type, start: cursor.startIndex, end: cursor.endIndex };
    if (keep(type)) ancestor.node = cursor.currentNode;
    path.push(ancestor);
  };
  record();
  // Moves to the first child ending after `start`; only that child can contain the range.
  while (cursor.gotoFirstChildForIndex(start) !== null && cursor.startIndex <= start && cursor.endIndex >= end) record();
  return path;
}
