/**
 * The ceiling of exact speculation for a verifier on this machine: the time of
 * one batch of K tokens against K single steps. A verify step evaluates K
 * tokens (the last output token and K-1 drafted ones) and, with every draft
 * accepted, emits K tokens for the price of t(K), where plain greedy decoding
 * pays K * t(1): speculation can be at most K * t(1) / t(K) faster (at the
 * best K). Measured after a real prompt, predicting every position (as a
 * verify step does); the fastest of `reps` runs per K, since on a shared
 * machine every disturbance only adds time.
 */
import type { TargetModel, Token } from '../verifier/target-model.js';

export interface CeilingPoint {
  k: number;
  /** Fastest time of one batch of k tokens, ms. */
  batchMs: number;
  /** k single-token steps: k * t(1), ms. */
  singleStepsMs: number;
  /** singleStepsMs / batchMs. */
  speedup: number;
}

export async function measureCeiling(model: TargetModel, prompt: readonly Token[], filler: readonly Token[], maxK: number, reps: number): Promise<CeilingPoint[]> {
  const sequence = model.openSequence();
  try {
    await sequence.evaluate(prompt, 'last');
    const base = sequence.tokens.length;
    const fastest = async (k: number): Promise<number> => {
      const batch = Array.from({ length: k }, (_, i) => filler[i % filler.length]);
      const times: number[] = [];
      for (let r = 0; r < reps + 2; r++) {
        const started = performance.now();
        await sequence.evaluate(batch, 'all');
        const ms = performance.now() - started;
        await sequence.erase(base);
        if (r >= 2) times.push(ms); // two warm-up runs
      }
      return Math.min(...times);
    };
    const t1 = await fastest(1);
    const points: CeilingPoint[] = [{ k: 1, batchMs: t1, singleStepsMs: t1, speedup: 1 }];
    for (let k = 2; k <= maxK; k++) {
      const batchMs = await fastest(k);
      points.push({ k, batchMs, singleStepsMs: k * t1, speedup: (k * t1) / batchMs });
    }
    return points;
  } finally {
    await sequence.dispose();
  }
}
