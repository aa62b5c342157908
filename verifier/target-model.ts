/**
 * The verifier's view of a model: a tokenizer and sequences whose KV cache can
 * be extended in one batch and cut back. node-llama-cpp sits behind one adapter
 * (llama-target-model.ts); tests use fake-target-model.ts.
 */
import type { CostCurve } from './verifier-cost.js';

export type Token = number;

export interface TargetModel {
  /** Plain text to tokens; special-token text in `text` stays plain text (code is untrusted). */
  tokenize(text: string): Token[];
  detokenize(tokens: readonly Token[]): string;
  /** Put in front of every text prompt, or null when the model wants none. */
  readonly bosToken: Token | null;
  readonly eosTokens: readonly Token[];
  /** True for every token that ends generation (EOS, EOT, ...). */
  isEndOfGeneration(token: Token): boolean;
  /** The most tokens one sequence's cache can hold. */
  readonly contextSize: number;
  /** How many sequences can be open at once. */
  readonly maxSequences: number;
  /** Throws when `maxSequences` are already open. */
  openSequence(): TargetSequence;
  /** The model's chat template, for an instruct model (model-prompt.ts); absent for a plain text model. */
  readonly chat?: ChatTemplate;
  /**
   * t(n), the time of one call evaluating n tokens, when known ahead (a test
   * model declares one: its calls' times are the test machine's, not a
   * verifier's); absent: the verifier learns it from its calls (verifier-cost.ts).
   */
  readonly costCurve?: CostCurve;
}

/** A conversation up to the start of the model's answer, in the model's own chat format. */
export interface ChatTurns {
  system: string;
  user: string;
  /** The beginning of the model's turn, written for it: the model continues from there. */
  answerStart: string;
}

export interface ChatTemplate {
  /** Which wrapper renders it (node-llama-cpp's name, e.g. ChatML), for logs. */
  readonly name: string;
  /** True when the model file carries a chat template (an instruct model); false when the wrapper is a guess. */
  readonly fromFile: boolean;
  /** The turns as tokens, the template's special tokens included; the turns' own text is always plain text. */
  render(turns: ChatTurns): Token[];
}

export interface TargetSequence {
  /** The tokens in this sequence's KV cache, in order. */
  readonly tokens: readonly Token[];
  /**
   * Appends `tokens` to the cache in one batch and returns the model's greedy
   * next token after each appended position (`'last'`: only after the final one,
   * which avoids computing logits for a whole prompt).
   */
  evaluate(tokens: readonly Token[], predict?: 'all' | 'last'): Promise<Token[]>;
  /** Drops cached tokens from index `from` to the end. */
  erase(from: number): Promise<void>;
  dispose(): Promise<void>;
}
