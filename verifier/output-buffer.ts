/**
 * The output of one decode and the rule for where it ends. The speculative
 * loop and the plain greedy decode both feed tokens through this one class,
 * one at a time, so they stop at exactly the same token by construction.
 */
import type { TargetModel, Token } from './target-model.js';

export type StopReason = 'eog' | 'stop' | 'budget';

export class OutputBuffer {
  readonly tokens: Token[] = [];
  stopReason: StopReason | null = null;
  /** Tokens decoded for the stop-string check; enough to hold the longest stop string even with 1-byte tokens. */
  private readonly window: number;

  constructor(
    private readonly model: TargetModel,
    private readonly stops: readonly string[],
    /** The most tokens this output may have (at least 1). */
    readonly budget: number,
  ) {
    this.window = 2 * Math.max(0, ...stops.map((s) => s.length)) + 8;
  }

  get ended(): boolean {
    return this.stopReason !== null;
  }

  /** Tokens that may still be appended. */
  get remaining(): number {
    return this.ended ? 0 : this.budget - this.tokens.length;
  }

  /** Appends one token the target chose; returns false once the output has ended. */
  push(token: Token): boolean {
    if (this.ended) return false;
    if (this.model.isEndOfGeneration(token)) this.stopReason = 'eog';
    else {
      this.tokens.push(token);
      if (this.hitsStop()) this.stopReason = 'stop';
      else if (this.tokens.length >= this.budget) this.stopReason = 'budget';
    }
    return !this.ended;
  }

  /** The output text, cut before the first stop string when one ended it. */
  text(): string {
    const full = this.model.detokenize(this.tokens);
    if (this.stopReason !== 'stop') return full;
    const cuts = this.stops.map((s) => full.indexOf(s)).filter((i) => i >= 0);
    return full.slice(0, Math.min(...cuts));
  }

  private hitsStop(): boolean {
    if (this.stops.length === 0) return false;
    const tail = this.model.detokenize(this.tokens.slice(-this.window));
    return this.stops.some((s) => s.length > 0 && tail.includes(s));
  }
}
