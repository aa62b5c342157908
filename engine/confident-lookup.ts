/**
 * The engine's lookup drafter (layer 0): continuations from the sources (the
 * original scope and the candidates) and from the output itself, proposed
 * with some restraint.
 *
 * Self-lookup: code repeats itself within an edit too (a second `case`, the
 * same call on the next line), and a small model that has started to loop
 * repeats itself exactly; classic prompt-lookup decoding searches the text
 * generated so far as well as the prompt. Its continuation is extended
 * periodically when the match runs into the end. When both the sources and
 * the output itself have a continuation, the one that has been right more
 * often lately is proposed (a running score of the accepted fraction per
 * kind; the sources start ahead, since an edit mostly copies them).
 *
 * Restraint: a verify step with k proposed tokens costs more than a single
 * step (on a small CPU model a batch of 2-5 tokens measured 2-2.5x one
 * token), so a guess that is usually wrong loses time. After a draft the
 * verifier refuted at its first token (the output has left the sources: a new
 * name, a rewritten line), this proposes again only on a match of at least
 * `minMatch` tokens, the sign that the output is copying again.
 *
 * Lossless like any drafter: it only changes what is proposed.
 */
import type { Drafter } from '../drafters/drafter.js';
import type { InputLookupDrafter } from '../drafters/input-lookup-drafter.js';
import type { Token } from '../verifier/target-model.js';

/** Longest suffix compared in self-lookup (loops match long suffixes; sources stop at the lookup's own n). */
const SELF_MAX_NGRAM = 8;

export interface LookupOptions {
  /** After a refuted draft, the shortest match that is proposed again (1: always propose). */
  minMatch?: number;
  /** Search the output itself too. */
  selfLookup?: boolean;
}

export class ConfidentLookupDrafter implements Drafter {
  readonly name: string;
  private missed = false;
  private chose: 'sources' | 'self' | null = null;
  private proposed = 0;
  /** Running accepted fraction of each kind of proposal. */
  private score = { sources: 1, self: 0.5 };
  private readonly minMatch: number;
  private readonly selfLookup: boolean;

  constructor(
    readonly lookup: InputLookupDrafter,
    options: LookupOptions = {},
  ) {
    this.name = lookup.name;
    this.minMatch = options.minMatch ?? 3;
    this.selfLookup = options.selfLookup ?? true;
  }

  begin(prompt: readonly Token[]): void {
    this.missed = false;
    this.chose = null;
    this.score = { sources: 1, self: 0.5 };
    this.lookup.begin(prompt);
  }

  draft(output: readonly Token[], maxTokens: number): Token[] {
    this.chose = null;
    const fromSources = this.lookup.draft(output, maxTokens);
    const sources = fromSources.length > 0 ? { tokens: fromSources, length: this.lookup.lastMatchLength } : null;
    const selfFound = this.selfLookup ? selfContinuation(output, maxTokens) : null;
    const self = selfFound && selfFound.tokens.length > 0 ? selfFound : null;
    const useSelf = self !== null && (sources === null || this.score.self > this.score.sources);
    const pick = useSelf ? self : sources;
    if (!pick || (this.missed && pick.length < this.minMatch)) return [];
    this.chose = useSelf ? 'self' : 'sources';
    this.proposed = pick.tokens.length;
    return pick.tokens;
  }

  accept(acceptedCount: number): void {
    this.missed = acceptedCount === 0;
    if (this.chose) this.score[this.chose] = 0.7 * this.score[this.chose] + (0.3 * acceptedCount) / Math.max(1, this.proposed);
    if (this.chose === 'sources') this.lookup.accept(acceptedCount);
  }
}

/**
 * The continuation of the output's last tokens at their latest earlier
 * occurrence with the longest match (at least 2 tokens), up to `maxTokens`;
 * where the continuation reaches the end of the output it repeats with the
 * period it has found.
 */
export function selfContinuation(output: readonly Token[], maxTokens: number): { tokens: Token[]; length: number } {
  const n = output.length;
  const none = { tokens: [], length: 0 };
  if (n < 3 || maxTokens <= 0) return none;
  const last = output[n - 1];
  let bestEnd = -1;
  let bestLength = 0;
  for (let j = n - 2; j >= 0; j--) {
    if (output[j] !== last) continue;
    let length = 1;
    while (length < SELF_MAX_NGRAM && j - length >= 0 && output[j - length] === output[n - 1 - length]) length++;
    if (length > bestLength) {
      bestLength = length;
      bestEnd = j;
    }
    if (bestLength === SELF_MAX_NGRAM) break;
  }
  if (bestLength < 2) return none;
  const period = n - 1 - bestEnd;
  const tokens: Token[] = [];
  for (let i = 0; i < maxTokens; i++) tokens.push(output[bestEnd + 1 + (i % period)]);
  return { tokens, length: bestLength };
}
