/**
 * Layer 1 (DESIGN.md): candidate edits computed from the syntax tree and the
 * diagnostic, in about a millisecond. They are guesses like any other
 * candidate: the verifier decides, so a wrong one costs a little time and
 * never correctness.
 */
import type Parser from 'tree-sitter';
import type { OffsetRange, TextReplacement } from '../protocol/text.js';
import { applyReplacements } from '../protocol/text.js';
import { renameBinding } from '../drafters/structural/rename.js';

export interface TextCandidate {
  name: string;
  /** The whole scope as the candidate would write it. */
  text: string;
}

/** The scope's text with the binding at `offset` renamed to `newName`, or the reason it cannot be. */
export function renamedScope(
  tree: Parser.Tree,
  text: string,
  scope: OffsetRange,
  offset: number,
  newName: string,
): { ok: true; text: string; replacements: TextReplacement[] } | { ok: false; reason: string } {
  const renamed = renameBinding(tree, text, offset, newName);
  if (!renamed.ok) return renamed;
  return { ok: true, text: applyInside(text, scope, renamed.replacements), replacements: renamed.replacements };
}

/** Applies the replacements that fall inside `scope` to the scope's text. */
export function applyInside(text: string, scope: OffsetRange, replacements: readonly TextReplacement[]): string {
  const inside = replacements
    .filter((r) => r.start >= scope.start && r.end <= scope.end)
    .map((r) => ({ start: r.start - scope.start, end: r.end - scope.start, newText: r.newText }));
  return applyReplacements(text.slice(scope.start, scope.end), inside);
}

/** TypeScript's "Cannot find name 'x'. Did you mean 'y'?" and "Property 'x' does not exist on type 'T'. Did you mean 'y'?". */
const DID_YOU_MEAN = /^(?:Cannot find name|Property) '([^']+)'.*Did you mean '([^']+)'\?/;
const EXPECTED_TOKEN = /^'([^']{1,3})' expected\.?$/;
const MISSING_TOKEN = /missing `([^`]{1,3})`/;

/**
 * Fixes read off the diagnostic itself: TypeScript's "Did you mean" names the
 * fix, "'}' expected." and tree-sitter's "missing `}`" name the token to
 * insert where the diagnostic points.
 */
export function fixCandidates(text: string, scope: OffsetRange, range: OffsetRange, message: string): TextCandidate[] {
  const original = text.slice(scope.start, scope.end);
  const out: TextCandidate[] = [];
  const inScope = (offset: number) => offset >= scope.start && offset <= scope.end;
  const misspelled = DID_YOU_MEAN.exec(message);
  if (misspelled) {
    const [, wrong, right] = misspelled;
    const atRange = text.slice(range.start, range.end) === wrong && inScope(range.start);
    const fixed = atRange
      ? original.slice(0, range.start - scope.start) + right + original.slice(range.end - scope.start)
      : original.replace(new RegExp(`(?<![\\w$])${escapeRegExp(wrong)}(?![\\w$])`, 'g'), right);
    if (fixed !== original) out.push({ name: 'fix: did you mean', text: fixed });
  }
  const token = EXPECTED_TOKEN.exec(message.trim())?.[1] ?? MISSING_TOKEN.exec(message)?.[1];
  if (token && inScope(range.start)) {
    const at = range.start - scope.start;
    out.push({ name: `fix: insert ${token}`, text: original.slice(0, at) + token + original.slice(at) });
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
