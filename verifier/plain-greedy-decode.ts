/**
 * Greedy decoding one token per model call: the baseline speed-ups are
 * measured against, and the oracle the speculative loop must reproduce token
 * for token.
 */
import { DEFAULT_MAX_OUTPUT_TOKENS, StatsCounter, newOutput, prefill, promptProblem, promptTokens } from './decode-session.js';
import type { TargetModel, TargetSequence } from './target-model.js';
import type { DecodeRequest, VerifyOutcome } from './verify-types.js';

export async function plainGreedyDecode(
  model: TargetModel,
  sequence: TargetSequence,
  request: DecodeRequest,
  defaultMaxOutputTokens = DEFAULT_MAX_OUTPUT_TOKENS,
): Promise<VerifyOutcome> {
  const counter = new StatsCounter();
  const prefix = promptTokens(model, request.prompt);
  const problem = promptProblem(model, prefix);
  if (problem) return { status: 'unavailable', reason: problem };
  if (request.signal?.aborted) return { status: 'cancelled', stats: counter.finish(0) };
  const out = newOutput(model, prefix, request, defaultMaxOutputTokens);
  let next = await prefill(sequence, prefix);
  counter.verifierCalls++;
  while (out.push(next)) {
    if (request.signal?.aborted) return { status: 'cancelled', stats: counter.finish(out.tokens.length) };
    [next] = await sequence.evaluate([next]);
    counter.verifierCalls++;
  }
  const stats = counter.finish(out.tokens.length);
  return { status: 'ok', result: { tokens: out.tokens, text: out.text(), stopReason: out.stopReason!, mode: 'exact', stats } };
}
