/**
 * A small LRU of verifier sequences keyed by what is in their KV cache. There
 * is no KV copy between sequences, so a prompt's cached prefix is reused by
 * leasing the sequence that already holds the longest shared prefix; but a
 * prompt takes over another prompt's sequence only when it shares a
 * worthwhile part of it (every prompt shares the BOS token and often a
 * header), else it takes a free sequence or the least recently used one, so
 * prompts that alternate keep their caches.
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

/**
 * Whether a prompt should take over a sequence whose cache holds `cached`:
 * when nothing in that cache is lost (it is a prefix of the prompt, or
 * empty), or when the prompt shares at least half of itself with it (the same
 * scope asked again, or after a small change: most of the prefill is saved).
 * A shorter shared part (the BOS token, a common header) is not worth another
 * prompt's cache.
 */
export function worthReusing(cached: readonly Token[], shared: number, prompt: readonly Token[]): boolean {
  return shared === cached.length || 2 * shared >= prompt.length;
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
   * Leases the idle sequence sharing the longest prefix with `prompt` when
   * reusing it is worthwhile (`worthReusing`); else opens a new one rather
   * than overwrite another prompt's cache, or evicts the least recently used;
   * waits while all are busy. Returns null when `signal` aborts first.
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
    const reusable = idle
      .map((slot) => ({ slot, shared: sharedPrefixLength(slot.sequence.tokens, prompt) }))
      .filter((c) => worthReusing(c.slot.sequence.tokens, c.shared, prompt))
      .sort((a, b) => b.shared - a.shared || b.slot.lastUsed - a.slot.lastUsed);
    if (reusable.length > 0) return reusable[0].slot;
    if (this.slots.length < this.size) return this.open();
    // No worthwhile prefix and no free slot: evict the least recently used (prefill still keeps what it shares).
    return idle.length > 0 ? idle.reduce((a, b) => (b.lastUsed < a.lastUsed ? b : a)) : null;
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
