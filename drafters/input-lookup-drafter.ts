/**
 * Prompt-lookup decoding ("speculative edits"): most of an edit's output is
 * its input again, so the draft is whatever followed the output's last few
 * tokens in a source: the original scope or a candidate edit.
 */
import type { Token } from '../verifier/target-model.js';
import type { Drafter } from './drafter.js';

/** A token sequence the output is likely to repeat. */
export interface LookupSource {
  name: string;
  tokens: readonly Token[];
}

/**
 * A candidate edit (text from a structural or model drafter) as a source. The
 * verifier's tokenizer re-tokenizes it, so the drafter that wrote it may use
 * any vocabulary.
 */
export function candidateSource(name: string, text: string, tokenize: (text: string) => Token[]): LookupSource {
  return { name, tokens: tokenize(text) };
}

export interface InputLookupOptions {
  /** Longest output suffix matched against a source; shorter suffixes are tried down to 1. */
  maxNgram?: number;
}

interface Match {
  source: number;
  /** Index in the source of the first proposed token. */
  start: number;
  /** Output suffix length that matched. */
  length: number;
  /** Output length when this match was drafted. */
  at: number;
}

/** Where each token occurs in a source, so a lookup touches only real matches. */
function indexPositions(tokens: readonly Token[]): Map<Token, number[]> {
  const index = new Map<Token, number[]>();
  tokens.forEach((t, i) => {
    const list = index.get(t);
    if (list) list.push(i);
    else index.set(t, [i]);
  });
  return index;
}

export class InputLookupDrafter implements Drafter {
  readonly name = 'input-lookup';
  private readonly indexes: Map<Token, number[]>[];
  private readonly maxNgram: number;
  private accepted: number[] = [];
  /**
   * Per source: source position minus output position, from the last accepted
   * draft. Where a suffix occurs several times (repeated n-grams are common in
   * code), the occurrence on this diagonal is the likely continuation.
   */
  private offsets: number[] = [];
  private last: Match | null = null;

  private readonly sourceList: LookupSource[];

  constructor(sources: readonly LookupSource[], options: InputLookupOptions = {}) {
    this.sourceList = [...sources];
    this.indexes = sources.map((s) => indexPositions(s.tokens));
    this.maxNgram = Math.max(1, options.maxNgram ?? 4);
    this.begin();
  }

  static fromTexts(
    texts: readonly { name: string; text: string }[],
    tokenize: (text: string) => Token[],
    options?: InputLookupOptions,
  ): InputLookupDrafter {
    return new InputLookupDrafter(texts.map((t) => candidateSource(t.name, t.text, tokenize)), options);
  }

  get sources(): readonly LookupSource[] {
    return this.sourceList;
  }

  /** How many output tokens the last draft was matched on (0: none, or the start of a source). A confidence signal. */
  get lastMatchLength(): number {
    return this.last?.length ?? 0;
  }

  /** The name of the source the last draft came from (null: no draft); the verifier keeps acceptance per source. */
  get lastDraftSource(): string | null {
    return this.last ? this.sources[this.last.source].name : null;
  }

  /**
   * Adds a source during a run (a drafter's candidate that arrived while the
   * verifier was already decoding); the other sources keep their credit.
   */
  addSource(source: LookupSource): void {
    this.sourceList.push(source);
    this.indexes.push(indexPositions(source.tokens));
    this.accepted.push(0);
    this.offsets.push(0);
  }

  begin(_prompt?: readonly Token[]): void {
    this.accepted = this.sources.map(() => 0);
    this.offsets = this.sources.map(() => 0);
    this.last = null;
  }

  draft(output: readonly Token[], maxTokens: number): Token[] {
    this.last = null;
    if (maxTokens <= 0) return [];
    const match = output.length === 0 ? this.bestStart() : this.bestMatch(output);
    if (!match) return [];
    this.last = match;
    return this.sources[match.source].tokens.slice(match.start, match.start + maxTokens);
  }

  accept(acceptedCount: number): void {
    if (!this.last || acceptedCount === 0) return;
    this.accepted[this.last.source] += acceptedCount;
    this.offsets[this.last.source] = this.last.start - this.last.at;
  }

  /** Acceptance credit of each source so far in this run (for statistics and tests). */
  acceptedBySource(): readonly number[] {
    return this.accepted;
  }

  /** Nothing written yet: the most trusted source from its beginning. */
  private bestStart(): Match | null {
    let best: Match | null = null;
    this.sources.forEach((s, i) => {
      if (s.tokens.length === 0) return;
      if (!best || this.accepted[i] > this.accepted[best.source]) best = { source: i, start: 0, length: 0, at: 0 };
    });
    return best;
  }

  /** Longest suffix match first; then the source accepted most; then the earlier source. */
  private bestMatch(output: readonly Token[]): Match | null {
    let best: Match | null = null;
    for (let i = 0; i < this.sources.length; i++) {
      const m = this.matchIn(i, output);
      if (!m) continue;
      if (!best || m.length > best.length || (m.length === best.length && this.accepted[i] > this.accepted[best.source])) {
        best = m;
      }
    }
    return best;
  }

  /** The best place in one source to continue from: longest match, then nearest the alignment diagonal. */
  private matchIn(source: number, output: readonly Token[]): Match | null {
    const tokens = this.sources[source].tokens;
    const ends = this.indexes[source].get(output[output.length - 1]) ?? [];
    const expected = output.length + this.offsets[source];
    let best: Match | null = null;
    for (const end of ends) {
      if (end + 1 >= tokens.length) continue; // nothing left to propose
      const length = this.suffixMatchLength(tokens, end, output);
      const m = { source, start: end + 1, length, at: output.length };
      if (!best || length > best.length || (length === best.length && nearer(m.start, best.start, expected))) best = m;
    }
    return best;
  }

  private suffixMatchLength(tokens: readonly Token[], end: number, output: readonly Token[]): number {
    const limit = Math.min(this.maxNgram, output.length, end + 1);
    let n = 1;
    while (n < limit && tokens[end - n] === output[output.length - 1 - n]) n++;
    return n;
  }

}

/** Is `a` nearer to `expected` than `b`? On equal distance the later one (the output usually moves forward). */
function nearer(a: number, b: number, expected: number): boolean {
  const da = Math.abs(a - expected);
  const db = Math.abs(b - expected);
  return da < db || (da === db && a > b);
}
