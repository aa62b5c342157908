/**
 * Rank mode (lossy, always named as such): score whole candidates by the
 * fraction of their tokens the verifier would have chosen itself, one batched
 * evaluation per candidate over the shared cached prompt.
 */
import type { StatsCounter } from './decode-session.js';
import type { TargetModel, TargetSequence, Token } from './target-model.js';
import type { CandidateScore } from './verify-types.js';

/**
 * The tokens a candidate is scored on: its text plus what must follow it (the
 * first stop string, else end-of-generation), so a candidate that stops too
 * early does not score as perfect.
 */
export function rankedTokens(model: TargetModel, text: string, stop: readonly string[]): Token[] {
  if (stop.length > 0) return model.tokenize(text + stop[0]);
  const eos = model.eosTokens[0];
  return eos === undefined ? model.tokenize(text) : [...model.tokenize(text), eos];
}

/**
 * `sequence` holds exactly the prompt, and `afterPrompt` is the verifier's
 * token after it. Each candidate is appended, scored and erased again, so the
 * sequence ends as it started. Returns null when `signal` aborts.
 */
export async function scoreCandidates(
  sequence: TargetSequence,
  afterPrompt: Token,
  candidates: readonly Token[][],
  contextSize: number,
  counter: StatsCounter,
  signal?: AbortSignal,
): Promise<CandidateScore[] | null> {
  const promptLength = sequence.tokens.length;
  const scores: CandidateScore[] = [];
  for (const [candidate, tokens] of candidates.entries()) {
    if (signal?.aborted) return null;
    if (tokens.length === 0 || promptLength + tokens.length > contextSize) {
      scores.push({ candidate, agreement: 0, tokens: tokens.length });
      continue;
    }
    const predictions = await sequence.evaluate(tokens);
    await sequence.erase(promptLength);
    const agreed = tokens.filter((t, i) => t === (i === 0 ? afterPrompt : predictions[i - 1])).length;
    counter.verifierCalls++;
    counter.drafted += tokens.length;
    counter.accepted += agreed;
    scores.push({ candidate, agreement: agreed / tokens.length, tokens: tokens.length });
  }
  return scores;
}

/** The best candidate at or above `threshold`, or null. */
export function bestCandidate(scores: readonly CandidateScore[], threshold: number): CandidateScore | null {
  const best = scores.reduce<CandidateScore | null>((b, s) => (!b || s.agreement > b.agreement ? s : b), null);
  return best && best.agreement >= threshold && best.agreement > 0 ? best : null;
}
