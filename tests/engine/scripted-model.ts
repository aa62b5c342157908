/**
 * A deterministic model for engine tests: one token per character, and after
 * the prompt's `<|edited|>` line its greedy choice follows a script (the
 * completion `script(prompt)` returns), then end-of-generation. Where the
 * context has left the script (a rank-mode candidate being scored), it
 * predicts end-of-generation. Its output is a pure function of the context,
 * so "speculative == plain greedy" stays a real check.
 */
import { MARKERS } from '../../protocol/prompt-format.js';
import type { TargetModel, TargetSequence, Token } from '../../verifier/target-model.js';

const ALPHABET = '\n\t' + Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('') + '…';
const EOS = ALPHABET.length;
const UNKNOWN = ALPHABET.indexOf('?');
const EDITED_LINE = `${MARKERS.edited}\n`;

export interface ScriptedModelOptions {
  /** The completion the model writes after this prompt (its text up to and including the `<|edited|>` line). */
  script: (prompt: string) => string;
  contextSize?: number;
  maxSequences?: number;
  /** Awaited in every evaluate call before the batch is appended: tests pause or cancel here. */
  onEvaluate?: (batch: readonly Token[]) => void | Promise<void>;
}

export class ScriptedTargetModel implements TargetModel {
  readonly bosToken: Token | null = null;
  readonly eosTokens: readonly Token[] = [EOS];
  readonly contextSize: number;
  readonly maxSequences: number;
  readonly counters = { evaluateCalls: 0, evaluatedTokens: 0 };
  openSequences = 0;

  constructor(readonly options: ScriptedModelOptions) {
    this.contextSize = options.contextSize ?? 16_384;
    this.maxSequences = options.maxSequences ?? 4;
  }

  tokenize(text: string): Token[] {
    return Array.from(text, (ch) => {
      const id = ALPHABET.indexOf(ch);
      return id < 0 ? UNKNOWN : id;
    });
  }

  detokenize(tokens: readonly Token[]): string {
    return tokens.map((t) => ALPHABET[t] ?? '').join('');
  }

  isEndOfGeneration(token: Token): boolean {
    return token === EOS;
  }

  openSequence(): TargetSequence {
    if (this.openSequences >= this.maxSequences) throw new Error(`all ${this.maxSequences} scripted sequences are open`);
    this.openSequences++;
    return new ScriptedSequence(this);
  }

  /** The greedy next token after `context[0..i]`. */
  predict(context: readonly Token[], i: number): Token {
    const text = this.detokenize(context.slice(0, i + 1));
    const at = text.lastIndexOf(EDITED_LINE);
    if (at < 0) return this.tokenize(' ')[0];
    const promptEnd = at + EDITED_LINE.length;
    const script = this.options.script(text.slice(0, promptEnd));
    const written = text.slice(promptEnd);
    if (!script.startsWith(written) || written.length >= script.length) return EOS;
    return this.tokenize(script[written.length])[0];
  }
}

class ScriptedSequence implements TargetSequence {
  private cache: Token[] = [];
  private disposed = false;

  constructor(private readonly model: ScriptedTargetModel) {}

  get tokens(): readonly Token[] {
    return this.cache;
  }

  async evaluate(batch: readonly Token[], predict: 'all' | 'last' = 'all'): Promise<Token[]> {
    if (this.disposed) throw new Error('scripted sequence is disposed');
    if (batch.length === 0) throw new RangeError('evaluate needs at least one token');
    if (this.cache.length + batch.length > this.model.contextSize) throw new RangeError('scripted context overflow');
    this.model.counters.evaluateCalls++;
    this.model.counters.evaluatedTokens += batch.length;
    await this.model.options.onEvaluate?.(batch);
    await new Promise<void>((resolve) => setImmediate(resolve));
    const start = this.cache.length;
    this.cache.push(...batch);
    const from = predict === 'last' ? this.cache.length - 1 : start;
    const out: Token[] = [];
    for (let i = from; i < this.cache.length; i++) out.push(this.model.predict(this.cache, i));
    return out;
  }

  async erase(from: number): Promise<void> {
    this.cache.length = Math.min(this.cache.length, Math.max(0, from));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.model.openSequences--;
  }
}
