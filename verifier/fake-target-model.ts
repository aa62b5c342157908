/**
 * A deterministic stand-in for a language model, for fast exhaustive tests of
 * the verify loop. Its greedy next token is a pure function of the context, so
 * "speculative output == plain greedy output" is a meaningful check. It copies
 * (like an induction head: after a bigram seen before, it repeats what followed
 * it) most of the time, so drafts taken from the input are often right. Like
 * a real model it has a BOS token and multi-character tokens (by default), so
 * every prompt shares its first token and a text's token count is not its
 * length.
 */
import type { TargetModel, TargetSequence, Token } from './target-model.js';
import { costCurveFromPoints, type CostCurve } from './verifier-cost.js';

/** Options every character-level test model takes. */
export interface CharacterModelOptions {
  contextSize?: number;
  maxSequences?: number;
  /** Awaited inside every evaluate call before the batch is appended: tests pause or cancel here. */
  onEvaluate?: (batch: readonly Token[]) => void | Promise<void>;
  /** The t(n) the model declares (default TEST_MODEL_COST); 'learned': none, the verifier times the fake's calls. */
  costCurve?: CostCurve | 'learned';
}

/**
 * What a test model's calls are taken to cost: a batch of n tokens as
 * 1 + (n - 1) / 4 single steps, about a small verifier on a CPU core (the
 * verify loop's own prior). Declared, because a fake's real times measure
 * the test machine: the scripted model's grow with the batch, which would
 * rightly keep every draft at one token.
 */
export const TEST_MODEL_COST: CostCurve = costCurveFromPoints([[1, 1], [2, 1.25]]);

export interface FakeTargetModelOptions extends CharacterModelOptions {
  seed?: number;
  /** Percent of positions where the model copies the continuation of an earlier bigram. */
  copyPercent?: number;
  /** Percent of positions where the model ends generation. */
  eosPercent?: number;
  /**
   * 'words' (default): the characters plus WORD_TOKENS, tokenized by longest
   * match, so a text's token count differs from its length as with a real
   * tokenizer; 'characters': one token per character.
   */
  vocabulary?: 'words' | 'characters';
  /** A BOS token in front of every text prompt (default true), as most real models have: every prompt then shares it. */
  bos?: boolean;
}

/** Newline and printable ASCII: token id = index in this string. */
export const PRINTABLE_ALPHABET = '\n' + Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');

/** The fake's multi-character tokens: code's common runs, and pieces of the property tests' small alphabet. */
export const WORD_TOKENS: readonly string[] = ['  ', '    ', '\n  ', ' = ', '= ', '=>', '();', ');\n', '{\n', '}\n', ' + ', 'let', 'const', 'return', 'function', 'ab', 'xy', 'a b', '()'];

function mix(h: number, v: number): number {
  h = Math.imul(h ^ (v + 0x9e3779b9), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Multi-character tokens and a BOS token, for a test model that has them. */
export interface VocabularyOptions {
  words?: readonly string[];
  bos?: boolean;
}

/**
 * A test model whose tokens are the characters of `alphabet` (id = index;
 * unknown characters become `?`) followed by `words` (longest match wins),
 * then EOS and, when asked for, BOS; and real sequence bookkeeping.
 * Subclasses decide only the greedy next token (`predict`).
 */
export abstract class CharacterTargetModel implements TargetModel {
  readonly bosToken: Token | null;
  readonly eosTokens: readonly Token[];
  readonly contextSize: number;
  readonly maxSequences: number;
  readonly costCurve: CostCurve | undefined;
  /** Counters for tests: every evaluate call and every token appended. */
  readonly counters = { evaluateCalls: 0, evaluatedTokens: 0 };
  openSequences = 0;
  protected readonly eos: Token;
  /** Tokens that stand for text (characters and words): ids 0 .. textTokens - 1. */
  protected readonly textTokens: number;
  private readonly unknown: Token;
  private readonly pieces: readonly string[];
  private readonly ids: ReadonlyMap<string, Token>;
  private readonly longest: number;

  constructor(
    protected readonly alphabet: string,
    readonly onEvaluate: CharacterModelOptions['onEvaluate'],
    options: CharacterModelOptions,
    defaultContextSize: number,
    /** Names the model in error messages ("fake", "scripted"). */
    readonly label: string,
    vocabulary: VocabularyOptions = {},
  ) {
    this.pieces = [...Array.from(alphabet), ...(vocabulary.words ?? [])];
    this.ids = new Map(this.pieces.map((piece, id) => [piece, id] as const).reverse()); // the first id of a repeated piece
    this.longest = Math.max(...this.pieces.map((p) => p.length));
    this.textTokens = this.pieces.length;
    this.eos = this.textTokens;
    this.bosToken = vocabulary.bos ? this.textTokens + 1 : null;
    this.unknown = alphabet.indexOf('?');
    this.eosTokens = [this.eos];
    this.contextSize = options.contextSize ?? defaultContextSize;
    this.maxSequences = options.maxSequences ?? 4;
    this.costCurve = options.costCurve === 'learned' ? undefined : (options.costCurve ?? TEST_MODEL_COST);
  }

  tokenize(text: string): Token[] {
    const chars = Array.from(text); // code points: a character outside the BMP is one unknown token
    const tokens: Token[] = [];
    for (let i = 0; i < chars.length; ) {
      let length = Math.min(this.longest, chars.length - i);
      while (length > 1 && !this.ids.has(chars.slice(i, i + length).join(''))) length--;
      tokens.push(this.ids.get(chars.slice(i, i + length).join('')) ?? this.unknown);
      i += length;
    }
    return tokens;
  }

  detokenize(tokens: readonly Token[]): string {
    return tokens.map((t) => this.pieces[t] ?? '').join('');
  }

  isEndOfGeneration(token: Token): boolean {
    return token === this.eos;
  }

  openSequence(): TargetSequence {
    if (this.openSequences >= this.maxSequences) throw new Error(`all ${this.maxSequences} ${this.label} sequences are open`);
    this.openSequences++;
    return new CharacterSequence(this);
  }

  /** The greedy next token after `context[0..i]`. */
  abstract predict(context: readonly Token[], i: number): Token;
}

export class FakeTargetModel extends CharacterTargetModel {
  constructor(readonly options: FakeTargetModelOptions = {}) {
    super(PRINTABLE_ALPHABET, options.onEvaluate, options, 4096, 'fake', {
      words: (options.vocabulary ?? 'words') === 'words' ? WORD_TOKENS : [],
      bos: options.bos ?? true,
    });
  }

  predict(context: readonly Token[], i: number): Token {
    const h = [context[i - 2] ?? -1, context[i - 1] ?? -1, context[i]].reduce(mix, this.options.seed ?? 7);
    const roll = h % 100;
    const eosPercent = this.options.eosPercent ?? 2;
    if (roll < eosPercent) return this.eos;
    if (roll < eosPercent + (this.options.copyPercent ?? 80)) {
      const copied = continuationOfEarlierBigram(context, i, this.eos);
      if (copied !== undefined) return copied;
    }
    return (h >>> 8) % this.textTokens;
  }
}

function continuationOfEarlierBigram(context: readonly Token[], i: number, eos: Token): Token | undefined {
  for (let j = i - 1; j >= 1; j--) {
    if (context[j] === context[i] && context[j - 1] === context[i - 1] && context[j + 1] !== eos) return context[j + 1];
  }
  return undefined;
}

class CharacterSequence implements TargetSequence {
  private cache: Token[] = [];
  private disposed = false;

  constructor(private readonly model: CharacterTargetModel) {}

  get tokens(): readonly Token[] {
    return this.cache;
  }

  async evaluate(batch: readonly Token[], predict: 'all' | 'last' = 'all'): Promise<Token[]> {
    this.checkUsable(batch.length);
    this.model.counters.evaluateCalls++;
    this.model.counters.evaluatedTokens += batch.length;
    await this.model.onEvaluate?.(batch);
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
    if (this.disposed) throw new Error(`${this.model.label} sequence is disposed`);
    this.cache.length = Math.min(this.cache.length, Math.max(0, from));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.model.openSequences--;
  }

  private checkUsable(adding: number): void {
    if (this.disposed) throw new Error(`${this.model.label} sequence is disposed`);
    if (adding === 0) throw new RangeError('evaluate needs at least one token');
    if (this.cache.length + adding > this.model.contextSize) {
      throw new RangeError(`${this.model.label} context overflow: ${this.cache.length} + ${adding} > ${this.model.contextSize}`);
    }
  }
}
