/**
 * A deterministic stand-in for a language model, for fast exhaustive tests of
 * the verify loop. Its greedy next token is a pure function of the context, so
 * "speculative output == plain greedy output" is a meaningful check. It copies
 * (like an induction head: after a bigram seen before, it repeats what followed
 * it) most of the time, so drafts taken from the input are often right.
 */
import type { TargetModel, TargetSequence, Token } from './target-model.js';

export interface FakeTargetModelOptions {
  seed?: number;
  contextSize?: number;
  maxSequences?: number;
  /** Percent of positions where the model copies the continuation of an earlier bigram. */
  copyPercent?: number;
  /** Percent of positions where the model ends generation. */
  eosPercent?: number;
  /** Awaited inside every evaluate call before the batch is appended: tests pause or cancel here. */
  onEvaluate?: (batch: readonly Token[]) => void | Promise<void>;
}

/** Newline and printable ASCII: token id = index in this string. */
const ALPHABET = '\n' + Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
const EOS = ALPHABET.length;
const UNKNOWN = ALPHABET.indexOf('?');

function mix(h: number, v: number): number {
  h = Math.imul(h ^ (v + 0x9e3779b9), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class FakeTargetModel implements TargetModel {
  readonly bosToken: Token | null = null;
  readonly eosTokens: readonly Token[] = [EOS];
  readonly contextSize: number;
  readonly maxSequences: number;
  /** Counters for tests: every evaluate call and every token appended. */
  readonly counters = { evaluateCalls: 0, evaluatedTokens: 0 };
  openSequences = 0;

  constructor(readonly options: FakeTargetModelOptions = {}) {
    this.contextSize = options.contextSize ?? 4096;
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
    if (this.openSequences >= this.maxSequences) throw new Error(`all ${this.maxSequences} fake sequences are open`);
    this.openSequences++;
    return new FakeSequence(this);
  }

  /** The greedy next token after `context[0..i]`. */
  predict(context: readonly Token[], i: number): Token {
    const h = [context[i - 2] ?? -1, context[i - 1] ?? -1, context[i]].reduce(mix, this.options.seed ?? 7);
    const roll = h % 100;
    const eosPercent = this.options.eosPercent ?? 2;
    if (roll < eosPercent) return EOS;
    if (roll < eosPercent + (this.options.copyPercent ?? 80)) {
      const copied = continuationOfEarlierBigram(context, i);
      if (copied !== undefined) return copied;
    }
    return (h >>> 8) % ALPHABET.length;
  }
}

function continuationOfEarlierBigram(context: readonly Token[], i: number): Token | undefined {
  for (let j = i - 1; j >= 1; j--) {
    if (context[j] === context[i] && context[j - 1] === context[i - 1] && context[j + 1] !== EOS) return context[j + 1];
  }
  return undefined;
}

class FakeSequence implements TargetSequence {
  private cache: Token[] = [];
  private disposed = false;

  constructor(private readonly model: FakeTargetModel) {}

  get tokens(): readonly Token[] {
    return this.cache;
  }

  async evaluate(batch: readonly Token[], predict: 'all' | 'last' = 'all'): Promise<Token[]> {
    this.checkUsable(batch.length);
    this.model.counters.evaluateCalls++;
    this.model.counters.evaluatedTokens += batch.length;
    await this.model.options.onEvaluate?.(batch);
    await new Promise<void>((resolve) => setImmediate(resolve)); // like a native call: never synchronous
    this.checkUsable(batch.length);
    const start = this.cache.length;
    this.cache.push(...batch);
    const from = predict === 'last' ? this.cache.length - 1 : start;
    const out: Token[] = [];
    for (let i = from; i < this.cache.length; i++) out.push(this.model.predict(this.cache, i));
    return out;
  }

  async erase(from: number): Promise<void> {
    if (this.disposed) throw new Error('fake sequence is disposed');
    this.cache.length = Math.min(this.cache.length, Math.max(0, from));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.model.openSequences--;
  }

  private checkUsable(adding: number): void {
    if (this.disposed) throw new Error('fake sequence is disposed');
    if (adding === 0) throw new RangeError('evaluate needs at least one token');
    if (this.cache.length + adding > this.model.contextSize) {
      throw new RangeError(`fake context overflow: ${this.cache.length} + ${adding} > ${this.model.contextSize}`);
    }
  }
}
