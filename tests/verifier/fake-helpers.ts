/** Shared helpers for the model-free verifier tests. */
import { FakeTargetModel, type FakeTargetModelOptions } from '../../verifier/fake-target-model.js';
import { plainGreedyDecode } from '../../verifier/plain-greedy-decode.js';
import type { DecodeRequest, VerifyOutcome, VerifyResult, VerifyStep } from '../../verifier/verify-types.js';

/** The oracle: plain greedy decoding on a fresh fake model with the same options (no shared state at all). */
export async function oracleDecode(options: FakeTargetModelOptions, request: DecodeRequest, maxOutputTokens = 1024): Promise<VerifyResult> {
  const model = new FakeTargetModel({ ...options, onEvaluate: undefined });
  const sequence = model.openSequence();
  try {
    return okResult(await plainGreedyDecode(model, sequence, request, maxOutputTokens));
  } finally {
    await sequence.dispose();
  }
}

export function okResult(outcome: VerifyOutcome): VerifyResult {
  if (outcome.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.result;
}

/** The stats invariants every exact run must satisfy, given its steps and the model calls counted by the fake. */
export function expectConsistentStats(result: VerifyResult, steps: readonly VerifyStep[], modelCalls: number): void {
  const { stats } = result;
  expect(stats.outputTokens).toBe(result.tokens.length);
  expect(stats.verifierCalls).toBe(modelCalls);
  expect(stats.accepted).toBeLessThanOrEqual(stats.drafted);
  expect(stats.acceptance).toBe(stats.drafted === 0 ? 0 : stats.accepted / stats.drafted);
  expect(stats.tokensPerCall).toBeCloseTo(stats.outputTokens / stats.verifierCalls, 10);
  expect(stats.wallMs).toBeGreaterThanOrEqual(0);
  for (const step of steps) {
    expect(step.chosen).toBeGreaterThanOrEqual(1);
    expect(step.accepted).toBeLessThanOrEqual(step.proposed);
  }
  expect(steps.reduce((n, s) => n + s.proposed, 0)).toBe(stats.drafted);
  expect(steps.reduce((n, s) => n + s.accepted, 0)).toBe(stats.accepted);
}

/** A deterministic "edit" of a text: replace `[at, at+cut)` with `insert`. */
export function mutate(text: string, at: number, cut: number, insert: string): string {
  const i = text.length === 0 ? 0 : at % (text.length + 1);
  return text.slice(0, i) + insert + text.slice(i + cut);
}
