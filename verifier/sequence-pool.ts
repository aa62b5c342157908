/**
 * A small LRU of verifier sequences keyed by what is in their KV cache. There
 * is no KV copy between sequences, so a prompt's cached prefix is reused by
 * leasing the sequence that already holds the longest shared prefix.
 */
import type { TargetModel, TargetSequence, Token } from './target-model.js';

interface Slot {
  sequence: TargetSequence;
  busy: boolean;
  lastUsed: number;
}

export function sharedPrefixLength(a: readonly Token[], b: readonly Token[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export class SequencePool {
  private readonly slots: Slot[] = [];
  private readonly waiters: (() => void)[] = [];
  private clock = 0;
  private disposed = false;

  constructor(
    private readonly model: TargetModel,
    readonly size: number,
  ) {
    if (size < 1 || size > model.maxSequences) {
      throw new RangeError(`sequence pool size ${size} must be between 1 and the model's ${model.maxSequences} sequences`);
    }
  }

  /**
   * Leases the idle sequence sharing the longest prefix with `prompt`; opens a
   * new one rather than overwrite another prompt's cache; waits while all are
   * busy. Returns null when `signal` aborts first.
   */
  async acquire(prompt: readonly Token[], signal?: AbortSignal): Promise<TargetSequence | null> {
    for (;;) {
      if (this.disposed) throw new Error('the verifier was disposed');
      if (signal?.aborted) return null;
      const slot = this.pick(prompt);
      if (slot) {
        slot.busy = true;
        slot.lastUsed = ++this.clock;
        return slot.sequence;
      }
      await this.waitForRelease(signal);
    }
  }

  release(sequence: TargetSequence): void {
    const slot = this.slots.find((s) => s.sequence === sequence);
    if (!slot) return;
    slot.busy = false;
    this.waiters.splice(0).forEach((wake) => wake());
  }

  /** Cached token contents of every open sequence, most recently used first (for tests and diagnostics). */
  cachedContents(): (readonly Token[])[] {
    return [...this.slots].sort((a, b) => b.lastUsed - a.lastUsed).map((s) => s.sequence.tokens);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.waiters.splice(0).forEach((wake) => wake());
    await Promise.all(this.slots.splice(0).map((s) => s.sequence.dispose()));
  }

  private pick(prompt: readonly Token[]): Slot | null {
    const idle = this.slots.filter((s) => !s.busy);
    const ranked = idle
      .map((slot) => ({ slot, shared: sharedPrefixLength(slot.sequence.tokens, prompt) }))
      .sort((a, b) => b.shared - a.shared || b.slot.lastUsed - a.slot.lastUsed);
    if (ranked.length > 0 && ranked[0].shared > 0) return ranked[0].slot;
    if (this.slots.length < this.size) return this.open();
    return ranked.length > 0 ? ranked[ranked.length - 1].slot : null; // nothing shared: evict the least recently used
  }

  private open(): Slot {
    const slot = { sequence: this.model.openSequence(), busy: false, lastUsed: 0 };
    this.slots.push(slot);
    return slot;
  }

  private waitForRelease(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.push(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }
}
