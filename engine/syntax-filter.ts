/**
 * Layer 3 (DESIGN.md): a candidate edit is spliced into the document and the
 * result is parsed again; a candidate that adds syntax errors is dropped
 * before the verifier spends time on it. The verifier's own output passes the
 * same check before it becomes an edit. "Adds" compares with the document as
 * it is: a fix may leave other errors of the file alone.
 */
import type { OffsetRange } from '../protocol/text.js';
import { syntaxProblems, type SyntaxProblem } from '../syntax/diagnostics.js';
import { SyntaxDocument } from '../syntax/syntax-document.js';

export type SpliceVerdict = { ok: true } | { ok: false; reason: string };

export class SpliceChecker {
  private readonly baseline: number;
  private readonly baselineMessages: Set<string>;

  constructor(
    private readonly languageId: string,
    private readonly text: string,
    private readonly scope: OffsetRange,
    baselineProblems?: readonly SyntaxProblem[],
  ) {
    const problems = baselineProblems ?? syntaxProblems(new SyntaxDocument(languageId, text).tree);
    this.baseline = problems.length;
    this.baselineMessages = new Set(problems.map((p) => p.message));
  }

  /** Parses the document with the scope replaced by `scopeText` (a full parse: ~1 ms per thousand lines). */
  check(scopeText: string): SpliceVerdict {
    const spliced = this.text.slice(0, this.scope.start) + scopeText + this.text.slice(this.scope.end);
    const problems = syntaxProblems(new SyntaxDocument(this.languageId, spliced).tree);
    if (problems.length <= this.baseline) return { ok: true };
    const added = problems.find((p) => !this.baselineMessages.has(p.message)) ?? problems[problems.length - 1];
    return { ok: false, reason: `${added.message} (line ${lineOf(spliced, added.range.start)})` };
  }
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
