/**
 * Layer 3 (DESIGN.md): a candidate edit is spliced into the document and the
 * result is parsed again; a candidate that adds syntax errors is dropped
 * before the verifier spends time on it. The verifier's own output passes the
 * same check before it becomes an edit. "Adds" compares with the document as
 * it is: a fix may leave other errors of the file alone.
 */
import { lineOf, type OffsetRange } from '../protocol/text.js';
import { syntaxProblems, type SyntaxProblem } from '../syntax/diagnostics.js';
import { SyntaxDocument } from '../syntax/syntax-document.js';

export type SpliceVerdict = { ok: true } | { ok: false; reason: string };

export interface SpliceOptions {
  /**
   * The edit must leave its scope free of syntax errors (a fix of a syntax
   * error): a candidate that keeps the error in place is dropped too.
   */
  requireClean?: boolean;
}

export class SpliceChecker {
  private readonly baseline: number;
  private readonly baselineMessages: Set<string>;
  /** The scope has syntax errors now: true when the edit must remove them (requireClean). */
  readonly mustClean: boolean;

  constructor(
    private readonly languageId: string,
    private readonly text: string,
    private readonly scope: OffsetRange,
    baselineProblems?: readonly SyntaxProblem[],
    options: SpliceOptions = {},
  ) {
    const problems = baselineProblems ?? syntaxProblems(new SyntaxDocument(languageId, text).tree);
    this.baseline = problems.length;
    this.baselineMessages = new Set(problems.map((p) => p.message));
    this.mustClean = (options.requireClean ?? false) && problems.some((p) => p.range.start <= scope.end && p.range.end >= scope.start);
  }

  /** Parses the document with the scope replaced by `scopeText` (a full parse: ~1 ms per thousand lines). */
  check(scopeText: string): SpliceVerdict {
    const spliced = this.text.slice(0, this.scope.start) + scopeText + this.text.slice(this.scope.end);
    const problems = syntaxProblems(new SyntaxDocument(this.languageId, spliced).tree);
    if (this.mustClean) {
      const end = this.scope.start + scopeText.length;
      const left = problems.find((p) => p.range.start <= end && p.range.end >= this.scope.start);
      if (left) return { ok: false, reason: `the syntax error is still there: ${left.message} (line ${lineOf(spliced, left.range.start)})` };
    }
    if (problems.length <= this.baseline) return { ok: true };
    const added = problems.find((p) => !this.baselineMessages.has(p.message)) ?? problems[problems.length - 1];
    return { ok: false, reason: `${added.message} (line ${lineOf(spliced, added.range.start)})` };
  }
}

