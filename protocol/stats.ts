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

/**
 * One drafter's acceptance for one edit kind, kept across restarts
 * (engine/learning/). A request's acceptance is the share of the drafter's
 * candidate tokens (verifier tokenizer) that the returned edit contains in
 * order; a candidate dropped by the syntax check or unfinished counts 0.
 */
export interface DrafterAcceptance {
  kind: string;
  drafter: string;
  /** Identity of the drafter's model file (size and modification time); null when unknown. */
  model: string | null;
  /** Requests the drafter answered for this kind. */
  requests: number;
  candidateTokens: number;
  /** Candidate tokens found in order in the returned edits. */
  acceptedTokens: number;
  /** acceptedTokens / candidateTokens (0 when no token was drafted). */
  acceptance: number;
  /** Exponential moving average of the per-request acceptance: what skipping looks at. */
  recentAcceptance: number;
  /** True when the drafter is currently skipped for this kind (below the floor, not pinned). */
  skipped: boolean;
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

/** An edit made without model work (a syntax-tree transform): nothing drafted or verified. */
export function structuralStats(wallMs: number): EditStats {
  return finishStats({ drafted: 0, accepted: 0, verifierCalls: 0, outputTokens: 0, wallMs });
}

export function formatStats(s: EditStats): string {
  return (
    `drafted ${s.drafted}, accepted ${s.accepted} (${(s.acceptance * 100).toFixed(1)}%), ` +
    `verifier calls ${s.verifierCalls}, ${s.tokensPerCall.toFixed(2)} tokens/call, ` +
    `output ${s.outputTokens} tokens, ${s.wallMs.toFixed(0)} ms`
  );
}
