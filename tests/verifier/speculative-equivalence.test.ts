/**
 * The verify loop's invariant, checked exhaustively with the fake model:
 * speculative output == plain greedy output, token for token, whatever the
 * drafts, K, budget, stop strings and prefix-cache history.
 */
import fc from 'fast-check';
import { FakeTargetModel, type FakeTargetModelOptions } from '../../verifier/fake-target-model.js';
import { promptTokens } from '../../verifier/decode-session.js';
import { GreedyVerifier } from '../../verifier/greedy-verifier.js';
import { costCurveFromPoints, type CostCurve } from '../../verifier/verifier-cost.js';
import type { VerifyRequest, VerifyStep } from '../../verifier/verify-types.js';
import { expectConsistentStats, mutate, okResult, oracleDecode } from './fake-helpers.js';

/** A small alphabet makes repeated n-grams (and so copying and lookup matches) common, as in code. */
const codeChar = fc.constantFrom(...'ab xy=(){};\n+.1'.split(''));
const codeText = (max: number) => fc.array(codeChar, { maxLength: max }).map((cs) => cs.join(''));

/** How a draft source is made from the true output (so drafts are sometimes right) or from nothing. */
const sourceSpec = fc.record({
  from: fc.constantFrom('truth', 'truth', 'prompt', 'random'),
  start: fc.nat(40),
  at: fc.nat(200),
  cut: fc.nat(4),
  insert: codeText(3),
  random: codeText(60),
});
type SourceSpec = typeof sourceSpec extends fc.Arbitrary<infer T> ? T : never;

function realize(spec: SourceSpec, truth: string, prompt: string): string {
  if (spec.from === 'random') return spec.random;
  const base = spec.from === 'truth' ? truth : prompt;
  return mutate(base.slice(spec.start % (base.length + 1)), spec.at, spec.cut, spec.insert);
}

const scenario = fc.record({
  model: fc.record({ seed: fc.nat(), copyPercent: fc.integer({ min: 0, max: 100 }), eosPercent: fc.integer({ min: 0, max: 6 }) }),
  prompts: fc.array(fc.record({ sharedWithPrevious: fc.nat(80), suffix: codeText(60) }), { minLength: 1, maxLength: 3 }),
  sources: fc.array(sourceSpec, { maxLength: 4 }),
  maxDraftTokens: fc.oneof(fc.integer({ min: 1, max: 24 }), fc.constant(128)),
  /** declared: the fake's own t(n); learned: from the times of its calls; flat makes drafts as long as the cap allows; linear keeps K at 1. */
  cost: fc.constantFrom('declared', 'learned', 'flat', 'gpu', 'linear'),
  sequences: fc.integer({ min: 1, max: 3 }),
  /** Small contexts make the context, not maxOutputTokens, the budget; some prompts do not fit at all. */
  contextSize: fc.oneof(fc.constant(400), fc.integer({ min: 2, max: 120 })),
  maxOutputTokens: fc.integer({ min: 1, max: 160 }),
  stopFromTruth: fc.option(fc.record({ start: fc.nat(100), length: fc.integer({ min: 1, max: 4 }) }), { nil: undefined }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Prompts that share prefixes with earlier ones, so the sequence LRU's reuse paths run. */
function buildPrompts(s: Scenario): string[] {
  const prompts: string[] = [];
  for (const p of s.prompts) {
    const previous = prompts[prompts.length - 1] ?? '';
    const prompt = previous.slice(0, p.sharedWithPrevious % (previous.length + 1)) + p.suffix;
    prompts.push(prompt.length > 0 ? prompt : 'x');
  }
  return prompts;
}

const COST_CURVES: Record<Scenario['cost'], CostCurve | undefined> = {
  declared: undefined,
  learned: undefined,
  flat: costCurveFromPoints([[1, 1], [129, 1]]),
  gpu: costCurveFromPoints([[1, 5.18], [16, 8.18], [32, 9.5], [64, 10.19], [128, 11.77]]),
  linear: costCurveFromPoints([[1, 1], [2, 2]]),
};

async function checkScenario(s: Scenario): Promise<void> {
  const modelOptions: FakeTargetModelOptions = { ...s.model, contextSize: s.contextSize, costCurve: s.cost === 'learned' ? 'learned' : undefined };
  const model = new FakeTargetModel(modelOptions);
  const verifier = new GreedyVerifier(model, { sequences: s.sequences, maxDraftTokens: s.maxDraftTokens, costCurve: COST_CURVES[s.cost] });
  try {
    for (const prompt of buildPrompts(s)) {
      if (promptTokens(model, prompt).length >= s.contextSize) {
        expect(await verifier.verify({ prompt })).toEqual({ status: 'unavailable', reason: expect.stringMatching(/contextSize/) });
        continue;
      }
      const unbounded = await oracleDecode(modelOptions, { prompt, maxOutputTokens: s.maxOutputTokens });
      const stop = s.stopFromTruth && unbounded.text.length > 0 ? [unbounded.text.substr(s.stopFromTruth.start % unbounded.text.length, s.stopFromTruth.length)] : [];
      const base = { prompt, stop, maxOutputTokens: s.maxOutputTokens };
      const expected = await oracleDecode(modelOptions, base);
      const steps: VerifyStep[] = [];
      const request: VerifyRequest = { ...base, candidates: s.sources.map((spec) => realize(spec, expected.text, prompt)), onStep: (st) => steps.push(st) };
      const callsBefore = model.counters.evaluateCalls;
      const actual = okResult(await verifier.verify(request));
      expect(actual.tokens).toEqual(expected.tokens);
      expect(actual.text).toBe(expected.text);
      expect(actual.stopReason).toBe(expected.stopReason);
      expect(actual.mode).toBe('exact');
      expectConsistentStats(actual, steps, model.counters.evaluateCalls - callsBefore);
      expect(steps.length).toBe(actual.stats.verifierCalls - 1); // one prefill call, then one call per step
      expect(actual.stats.verifierCalls).toBeLessThanOrEqual(expected.stats.verifierCalls);
    }
  } finally {
    await verifier.dispose();
  }
  expect(model.openSequences).toBe(0);
}

describe('speculative decoding equals plain greedy decoding (fake model)', () => {
  test('random prompts, sources, K, budgets, stop strings and cache histories', async () => {
    await fc.assert(fc.asyncProperty(scenario, checkScenario), { numRuns: 400 });
  });

  test('a wrong source is mostly refuted, output still exact', async () => {
    const options: FakeTargetModelOptions = { seed: 11, copyPercent: 0, eosPercent: 0 };
    const prompt = 'abc';
    const expected = await oracleDecode(options, { prompt, maxOutputTokens: 60 });
    // Every character shifted by one: lookups still match the output's tokens, but the continuations are wrong.
    const shifted = expected.text.replace(/[^]/g, (c) => String.fromCharCode(33 + ((c.charCodeAt(0) - 32) % 94)));
    const verifier = new GreedyVerifier(new FakeTargetModel(options), { maxDraftTokens: 8 });
    const actual = okResult(await verifier.verify({ prompt, maxOutputTokens: 60, references: [shifted] }));
    expect(actual.tokens).toEqual(expected.tokens);
    expect(actual.stats.drafted).toBeGreaterThan(0);
    expect(actual.stats.acceptance).toBeLessThan(0.5);
    await verifier.dispose();
  });
});
