/**
 * Statistics, defined once (DESIGN.md "Statistics") and reported everywhere:
 * logs, `specedit/stats`, progress messages and the benchmark.
 */
export interface EditStats {
  /** Tokens proposed to the verifier by all speculation sources. */
  drafted: number;
  /** Proposed tokens the verifier agreed with. */
  accepted: number;
  /** accepted / drafted (0 when nothing was drafted). */
  acceptance: number;
  /** Batched verifier evaluations (one per verify step). */
  verifierCalls: number;
  /** outputTokens / verifierCalls (0 when no call was made). */
  tokensPerCall: number;
  /** Tokens in the verifier's output. */
  outputTokens: number;
  /** Wall time of the whole request, milliseconds. */
  wallMs: number;
}

export function emptyStats(): EditStats {
  return { drafted: 0, accepted: 0, acceptance: 0, verifierCalls: 0, tokensPerCall: 0, outputTokens: 0, wallMs: 0 };
}

/** Recomputes the derived ratios from the counters. */
export function finishStats(s: Omit<EditStats, 'acceptance' | 'tokensPerCall'>): EditStats {
  return {
    ...s,
    acceptance: s.drafted === 0 ? 0 : s.accepted / s.drafted,
    tokensPerCall: s.verifierCalls === 0 ? 0 : s.outputTokens / s.verifierCalls,
  };
}

export function formatStats(s: EditStats): string {
  return (
    `drafted ${s.drafted}, accepted ${s.accepted} (${(s.acceptance * 100).toFixed(1)}%), ` +
    `verifier calls ${s.verifierCalls}, ${s.tokensPerCall.toFixed(2)} tokens/call, ` +
    `output ${s.outputTokens} tokens, ${s.wallMs.toFixed(0)} ms`
  );
}
