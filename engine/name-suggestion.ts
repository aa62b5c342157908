/**
 * Rename without a name (DESIGN.md "Edit types"): drafter models write the
 * renamed scope, the new name is read off each candidate at the binding's
 * first occurrence, the verifier ranks the structurally renamed scopes, and
 * the structural rename applies the best name everywhere. With no usable
 * drafter name, the verifier's own greedy rename (speculative, exact) names it.
 */
import type Parser from 'tree-sitter';
import type { OffsetRange, TextReplacement } from '../protocol/text.js';
import { isValidIdentifier, renameBinding } from '../drafters/structural/rename.js';
import { applyInside } from './structural-candidates.js';

/** A name no code uses, to find where the binding occurs without changing anything. */
const PROBE = '__specedit_probe_name__';
const IDENTIFIER_PREFIX = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*/u;

export interface RenameSite {
  /** Offset of the binding's first plain occurrence inside the scope, relative to the scope. */
  firstOccurrence: number;
  oldName: string;
}

/** Where the binding at `offset` occurs first inside `scope`, or why it cannot be renamed. */
export function renameSite(tree: Parser.Tree, text: string, scope: OffsetRange, offset: number): { ok: true; site: RenameSite } | { ok: false; reason: string } {
  const probe = renameBinding(tree, text, offset, PROBE);
  if (!probe.ok) return probe;
  const plain = probe.replacements
    .filter((r) => r.newText === PROBE && r.start >= scope.start && r.end <= scope.end)
    .sort((a, b) => a.start - b.start)[0];
  if (!plain) return { ok: false, reason: 'the name does not occur in the edited scope' };
  return { ok: true, site: { firstOccurrence: plain.start - scope.start, oldName: text.slice(plain.start, plain.end) } };
}

/**
 * The name a candidate scope gives the binding: the identifier at the first
 * occurrence, provided the candidate left everything before it unchanged.
 */
export function nameInCandidate(original: string, candidate: string, site: RenameSite): string | undefined {
  if (candidate.slice(0, site.firstOccurrence) !== original.slice(0, site.firstOccurrence)) return undefined;
  const name = IDENTIFIER_PREFIX.exec(candidate.slice(site.firstOccurrence))?.[0];
  return name && name !== site.oldName && isValidIdentifier(name) ? name : undefined;
}

export interface NamedCandidate {
  name: string;
  /** The scope renamed structurally: what the verifier scores. */
  scopeText: string;
  replacements: TextReplacement[];
}

/** Structural renames for each proposed name; names the rename refuses (captures, reserved words) are left out with their reason. */
export function namedCandidates(
  tree: Parser.Tree,
  text: string,
  scope: OffsetRange,
  offset: number,
  names: readonly string[],
): { candidates: NamedCandidate[]; refused: { name: string; reason: string }[] } {
  const candidates: NamedCandidate[] = [];
  const refused: { name: string; reason: string }[] = [];
  for (const name of new Set(names)) {
    const renamed = renameBinding(tree, text, offset, name);
    if (!renamed.ok) refused.push({ name, reason: renamed.reason });
    else candidates.push({ name, scopeText: applyInside(text, scope, renamed.replacements), replacements: renamed.replacements });
  }
  return { candidates, refused };
}
