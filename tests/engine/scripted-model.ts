/**
 * A deterministic model for engine tests: one token per character, and after
 * the prompt's `<|edited|>` line its greedy choice follows a script (the
 * completion `script(prompt)` returns), then end-of-generation. Where the
 * context has left the script (a rank-mode candidate being scored), it
 * predicts end-of-generation. Its output is a pure function of the context,
 * so "speculative == plain greedy" stays a real check.
 */
import { MARKERS } from '../../protocol/prompt-format.js';
import { CharacterTargetModel, PRINTABLE_ALPHABET, type CharacterModelOptions } from '../../verifier/fake-target-model.js';
import type { Token } from '../../verifier/target-model.js';

/** The fake's alphabet plus tab and an ellipsis, which the engine's fixtures contain. */
const ALPHABET = PRINTABLE_ALPHABET.slice(0, 1) + '\t' + PRINTABLE_ALPHABET.slice(1) + '…';
const EDITED_LINE = `${MARKERS.edited}\n`;

export interface ScriptedModelOptions extends CharacterModelOptions {
  /** The completion the model writes after this prompt (its text up to and including the `<|edited|>` line). */
  script: (prompt: string) => string;
}

export class ScriptedTargetModel extends CharacterTargetModel {
  constructor(readonly options: ScriptedModelOptions) {
    super(ALPHABET, options.onEvaluate, options, 16_384, 'scripted');
  }

  predict(context: readonly Token[], i: number): Token {
    const text = this.detokenize(context.slice(0, i + 1));
    const at = text.lastIndexOf(EDITED_LINE);
    if (at < 0) return this.tokenize(' ')[0];
    const promptEnd = at + EDITED_LINE.length;
    const script = this.options.script(text.slice(0, promptEnd));
    const written = text.slice(promptEnd);
    if (!script.startsWith(written) || written.length >= script.length) return this.eos;
    return this.tokenize(script[written.length])[0];
  }
}
