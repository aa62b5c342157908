/**
 * The peer a user would otherwise reach for: node-llama-cpp's own
 * `InputLookupTokenPredictor` (prompt-lookup decoding over the prompt tokens),
 * driven the way its LlamaCompletion drives it (3.21.1): the sequence is
 * created with `tokenPredictor`, the predictor is told the input tokens
 * (`updateInputTokens`), and `sequence.evaluate(promptTokens, {temperature: 0})`
 * yields greedy tokens, validating the predictor's guesses in batches. No
 * LlamaCompletion / LlamaChatSession wrapper, so no chat template or extra
 * tokens: the same prompt tokens, stop string and budget as our decoders
 * (the shared OutputBuffer decides where the output ends).
 */
import { InputLookupTokenPredictor, type Token as LlamaToken } from 'node-llama-cpp';
import { promptTokens } from '../verifier/decode-session.js';
import type { LlamaTargetModel } from '../verifier/llama-target-model.js';
import type { Prompt } from '../verifier/verify-types.js';
import { OutputBuffer, type StopReason } from '../verifier/output-buffer.js';

export interface PeerResult {
  tokens: number[];
  text: string;
  stopReason: StopReason;
  /** The predictor's statistics from node-llama-cpp (`sequence.tokenPredictions`). */
  validated: number;
  refuted: number;
}

export interface PeerOptions {
  stop: readonly string[];
  maxOutputTokens: number;
  /** Longest prediction per step (the bench passes the scope's budget: uncapped); 0: no predictor, plain decoding. */
  predictionMax: number;
}

export async function peerDecode(model: LlamaTargetModel, prompt: Prompt, options: PeerOptions): Promise<PeerResult> {
  const prefix = promptTokens(model, prompt) as LlamaToken[];
  // predictionMax 0: node-llama-cpp's own plain decoding, no predictor (the peer's baseline).
  const predictor = options.predictionMax > 0 ? new InputLookupTokenPredictor({ patternLength: { min: 1 }, predictionLength: { max: options.predictionMax } }) : undefined;
  const sequence = model.context.getSequence(predictor ? { tokenPredictor: predictor } : {});
  try {
    predictor?.updateInputTokens(prefix);
    const out = new OutputBuffer(model, options.stop, Math.max(1, Math.min(options.maxOutputTokens, model.contextSize - prefix.length)));
    const generator = sequence.evaluate(prefix, { temperature: 0 });
    for await (const token of generator) {
      if (!out.push(token)) break;
    }
    // The generator ends by itself only at end-of-generation (which it does not yield).
    if (!out.ended) out.stopReason = 'eog';
    const stats = sequence.tokenPredictions;
    return { tokens: out.tokens, text: out.text(), stopReason: out.stopReason!, validated: stats.validated, refuted: stats.refuted };
  } finally {
    await sequence.dispose();
  }
}
