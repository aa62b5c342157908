/**
 * What the speculative loop and the plain greedy decode share: prompt tokens,
 * the output budget, the prefill that reuses a cached prefix, and the
 * statistics counters. Sharing them keeps the two decoders comparable.
 */
import { finishStats, type EditStats } from '../protocol/stats.js';
import { OutputBuffer } from './output-buffer.js';
import { sharedPrefixLength } from './sequence-pool.js';
import type { TargetModel, TargetSequence, Token } from './target-model.js';
import type { DecodeRequest, Prompt } from './verify-types.js';

export const DEFAULT_MAX_OUTPUT_TOKENS = 1024;

export function promptTokens(model: TargetModel, prompt: Prompt): Token[] {
  if (typeof prompt !== 'string') return [...prompt];
  const tokens = model.tokenize(prompt);
  return model.bosToken === null ? tokens : [model.bosToken, ...tokens];
}

/** Why a prompt cannot be decoded, or null when it can. */
export function promptProblem(model: TargetModel, prefix: readonly Token[]): string | null {
  if (prefix.length === 0) return 'the prompt is empty and the model has no BOS token: nothing to continue';
  if (prefix.length >= model.contextSize) {
    return `the prompt has ${prefix.length} tokens but the verifier's context holds ${model.contextSize}: raise contextSize or shorten the scope`;
  }
  return null;
}

/**
 * An output buffer whose budget keeps prompt + output inside the context: the
 * cache holds the prompt and all output tokens but the last.
 */
export function newOutput(model: TargetModel, prefix: readonly Token[], request: DecodeRequest, defaultMax: number): OutputBuffer {
  const budget = Math.min(request.maxOutputTokens ?? defaultMax, model.contextSize - prefix.length + 1);
  return new OutputBuffer(model, request.stop ?? [], Math.max(1, budget));
}

/**
 * Brings `sequence` to exactly `prefix` and returns the greedy token after it.
 * The shared cached part is kept; the last prompt token is always evaluated
 * again when fully cached, because its prediction is not stored.
 */
export async function prefill(sequence: TargetSequence, prefix: readonly Token[]): Promise<Token> {
  const keep = Math.min(sharedPrefixLength(sequence.tokens, prefix), prefix.length - 1);
  await sequence.erase(keep);
  const [next] = await sequence.evaluate(prefix.slice(keep), 'last');
  return next;
}

/** The counters behind protocol/stats.ts, timed from construction. */
export class StatsCounter {
  drafted = 0;
  accepted = 0;
  verifierCalls = 0;
  private readonly start = performance.now();

  finish(outputTokens: number): EditStats {
    return finishStats({
      drafted: this.drafted,
      accepted: this.accepted,
      verifierCalls: this.verifierCalls,
      outputTokens,
      wallMs: performance.now() - this.start,
    });
  }
}
