/**
 * Draft lengths chosen by cost: K maximises (E(K) + 1) / t(K + 1) from the
 * verifier's t(n) curve and the source's per-token acceptance. Unit cases for
 * the rule, the acceptance estimate and the learned curve; then the loop with
 * the fake model: long drafts from a good source where batches are cheap,
 * short ones from a poor source or where batches cost their length.
 */
import type { Drafter } from '../../drafters/drafter.js';
import { InputLookupDrafter } from '../../drafters/input-lookup-drafter.js';
import { chooseDraftLength, DraftPolicy, expectedAccepted, SourceAcceptance } from '../../verifier/draft-policy.js';
import { FakeTargetModel, type FakeTargetModelOptions } from '../../verifier/fake-target-model.js';
import { GreedyVerifier } from '../../verifier/greedy-verifier.js';
import type { Token } from '../../verifier/target-model.js';
import { costCurveFromPoints, LearnedCostCurve, type CostCurve } from '../../verifier/verifier-cost.js';
import type { VerifyStep } from '../../verifier/verify-types.js';
import { expectConsistentStats, okResult, oracleDecode } from './fake-helpers.js';

/** t(n) in ms for a 7B-shaped verifier on one H200 (../shared/notes/peers-and-limits.md): 64 tokens for twice one. */
const GPU_7B = costCurveFromPoints([[1, 5.18], [16, 8.18], [32, 9.5], [64, 10.19], [128, 11.77]]);
/** The shipped 4.7M verifier on this machine's CPU core (bench/results/latest.json): 32 tokens for 8 times one. */
const CPU_SMALL = costCurveFromPoints([[1, 2.44], [2, 3.66], [8, 6.59], [16, 11.2], [32, 19.6]]);
const FLAT = costCurveFromPoints([[1, 1], [129, 1]]);
/** No gain from batching: n tokens cost n single steps. */
const LINEAR = costCurveFromPoints([[1, 1], [2, 2]]);

describe('chooseDraftLength', () => {
  test.each([
    ['flat curve, good source: the longest draft', FLAT, 0.99, 200, 128, 128],
    ['flat curve, a source right 90% of the time: 64 (128 would add under 1%)', FLAT, 0.9, 200, 128, 64],
    ['linear curve, even a near-perfect source: one token', LINEAR, 0.999, 200, 128, 1],
    ['GPU 7B, a source right 99% of the time: 128', GPU_7B, 0.99, 200, 128, 128],
    ['GPU 7B, 95%: 64', GPU_7B, 0.95, 200, 128, 64],
    ['GPU 7B, a source right half the time: short', GPU_7B, 0.5, 200, 128, 4],
    ['CPU small model, 99%: a few tens', CPU_SMALL, 0.99, 200, 128, 32],
    ['CPU small model, 80%: short', CPU_SMALL, 0.8, 200, 128, 4],
    ['capped by what the source offers', FLAT, 0.99, 37, 128, 37],
    ['capped by the budget (or maxDraftTokens)', FLAT, 0.99, 200, 16, 16],
    ['a poor source: one token', GPU_7B, 0.1, 200, 128, 1],
  ])('%s', (_name, curve, p, offered, cap, expected) => {
    expect(chooseDraftLength(p, offered, cap, curve)?.k).toBe(expected);
  });

  test('nothing offered or no room: no draft', () => {
    expect(chooseDraftLength(0.9, 0, 128, FLAT)).toBeNull();
    expect(chooseDraftLength(0.9, 10, 0, FLAT)).toBeNull();
  });

  test('expected accepted tokens: p + p^2 + ... + p^K', () => {
    expect(expectedAccepted(0.5, 3)).toBeCloseTo(0.875, 10);
    expect(expectedAccepted(1, 7)).toBe(7);
    expect(expectedAccepted(0, 7)).toBe(0);
  });
});

describe('SourceAcceptance', () => {
  test('starts at 0.5, rises with whole drafts accepted, falls with refutations, recent tokens weigh most', () => {
    const a = new SourceAcceptance();
    expect(a.p).toBe(0.5);
    for (let i = 0; i < 3; i++) a.observe(16, 16);
    expect(a.p).toBeGreaterThan(0.95);
    for (let i = 0; i < 5; i++) a.observe(8, 0);
    expect(a.p).toBeLessThan(0.85);
    for (let i = 0; i < 15; i++) a.observe(8, 0);
    expect(a.p).toBeLessThan(0.3);
    a.observe(0, 0); // no draft: no evidence
    const before = a.p;
    a.observe(0, 0);
    expect(a.p).toBe(before);
  });

  test('a refutation after a long accepted stretch is one failure, not a reset', () => {
    const a = new SourceAcceptance();
    a.observe(64, 64);
    a.observe(64, 30);
    expect(a.p).toBeGreaterThan(0.95);
  });

  test('acceptance comes in runs: inside a run of whole drafts the run\'s record counts, after a refutation the refutations\'', () => {
    const a = new SourceAcceptance();
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 4; i++) a.observe(16, 16); // a copied stretch
      a.observe(16, 3); // the edit
      a.observe(4, 0);
      a.observe(4, 0);
      a.observe(4, 4); // copying again
    }
    expect(a.p).toBeGreaterThan(0.94); // inside a run: 3 refuted of 16 in 80 drafted
    a.observe(16, 3);
    expect(a.p).toBeLessThan(0.75); // after a refutation the next draft is often refuted too
  });

  test('a perfect source drafting one token at a time can still show it (the decay is per token, not per draft)', () => {
    const a = new SourceAcceptance();
    for (let i = 0; i < 200; i++) a.observe(1, 1);
    expect(a.p).toBeGreaterThan(0.97);
  });
});

describe('LearnedCostCurve', () => {
  test('before any call: a cautious prior (a batch of n costs 1 + (n - 1) / 4 single steps)', () => {
    const curve = new LearnedCostCurve();
    expect(curve.time(1)).toBe(1);
    expect(curve.time(9)).toBe(3);
  });

  test('learns a GPU-like curve from the calls it sees and extrapolates along their trend', () => {
    const curve = new LearnedCostCurve();
    for (const [n, ms] of [[1, 5], [2, 5.2], [9, 6.8], [17, 8], [33, 9.5]] as const) for (let i = 0; i < 3; i++) curve.observe(n, ms);
    expect(curve.time(1)).toBeCloseTo(5, 5);
    expect(curve.time(17)).toBeCloseTo(8, 5);
    expect(curve.time(25)).toBeCloseTo(8.75, 5);
    expect(curve.time(65)).toBeGreaterThan(9.5);
    expect(curve.time(65)).toBeLessThan(9.5 + 0.2 * 32);
    expect(curve.measured().map((m) => m.tokens)).toEqual([1, 2, 9, 17, 33]);
  });

  test('a bucket is the fastest of its recent calls: disturbances only add time', () => {
    const curve = new LearnedCostCurve();
    for (const ms of [2, 2.5, 500, 2.2]) curve.observe(1, ms);
    expect(curve.time(1)).toBe(2);
  });

  test('one slow call at a new size does not price it out: until confirmed it costs at most the trend', () => {
    const curve = new LearnedCostCurve();
    for (let i = 0; i < 3; i++) {
      curve.observe(1, 1);
      curve.observe(2, 1.2);
    }
    curve.observe(5, 50); // a disturbance on its first call
    expect(curve.time(5)).toBeCloseTo(1.8, 5);
    curve.observe(5, 40);
    curve.observe(5, 30); // confirmed slow
    expect(curve.time(5)).toBeCloseTo(3, 5); // the fastest of them, capped: no more per token than a batch of 2 (1.2 / 2)
  });

  test('one measured size: the prior slope scaled to it', () => {
    const curve = new LearnedCostCurve();
    curve.observe(1, 4);
    expect(curve.time(5)).toBeCloseTo(8, 5);
  });
});

/** A drafter that knows the true output: right on every token (or, when `wrongEvery` is set, wrong at every such position). */
function truthDrafter(truth: readonly Token[], wrongEvery = 0): Drafter {
  return {
    name: 'truth',
    begin() {},
    draft(output, maxTokens) {
      if (output.some((t, i) => t !== truth[i])) return [];
      const next = truth.slice(output.length, output.length + maxTokens);
      return next.map((t, i) => (wrongEvery > 0 && (output.length + i) % wrongEvery !== 0 ? t + 1 : t));
    },
    accept() {},
  };
}

const options: FakeTargetModelOptions = { seed: 21, copyPercent: 80, eosPercent: 0 };
const prompt = 'function total(items) {\n  let sum = 0;\n  for (const item of items) sum += item.price;\n  return sum;\n}\n';

/** Verifies with a truth drafter over `curve`; checks exactness and returns the steps. */
async function loopSteps(curve: CostCurve, wrongEvery = 0, maxDraftTokens?: number): Promise<{ steps: VerifyStep[]; tokensPerCall: number }> {
  const request = { prompt, maxOutputTokens: 400 };
  const expected = await oracleDecode(options, request);
  expect(expected.tokens.length).toBe(400);
  const model = new FakeTargetModel(options);
  const verifier = new GreedyVerifier(model, { costCurve: curve, maxDraftTokens });
  const steps: VerifyStep[] = [];
  const result = okResult(await verifier.verify({ ...request, drafters: [truthDrafter(expected.tokens, wrongEvery)], onStep: (s) => steps.push(s) }));
  expect(result.tokens).toEqual(expected.tokens);
  expectConsistentStats(result, steps, model.counters.evaluateCalls);
  await verifier.dispose();
  return { steps, tokensPerCall: result.stats.tokensPerCall };
}

describe('the verify loop drafts by cost', () => {
  test('a perfect source where batches are cheap (GPU 7B curve): within a few calls one call drafts >= 64 tokens', async () => {
    const { steps, tokensPerCall } = await loopSteps(GPU_7B);
    const firstLong = steps.findIndex((s) => s.proposed >= 64);
    expect(firstLong).toBeGreaterThanOrEqual(0);
    expect(firstLong).toBeLessThan(6);
    expect(tokensPerCall).toBeGreaterThan(25);
  });

  test('a poor source (right on one token in three) stays short on the same cheap curve', async () => {
    const { steps } = await loopSteps(GPU_7B, 3);
    expect(Math.max(...steps.map((s) => s.proposed))).toBeLessThanOrEqual(4);
    expect(steps.slice(3).every((s) => s.proposed <= 2)).toBe(true);
  });

  test('the same perfect source follows the curve: flat → the longest drafts at once, linear → one token, CPU → in between', async () => {
    const flat = await loopSteps(FLAT);
    const linear = await loopSteps(LINEAR);
    const cpu = await loopSteps(CPU_SMALL);
    expect(Math.max(...flat.steps.map((s) => s.proposed))).toBe(128);
    expect(linear.steps.every((s) => s.proposed <= 1)).toBe(true); // 0 only at the budget's last token
    // On the CPU curve a batch still gets cheaper per token as it grows, so a perfect source gets there too, more slowly.
    expect(Math.max(...cpu.steps.map((s) => s.proposed))).toBeGreaterThanOrEqual(16);
    expect(flat.steps.findIndex((s) => s.proposed === 128)).toBeLessThan(cpu.steps.findIndex((s) => s.proposed >= 64));
    expect(flat.tokensPerCall).toBeGreaterThanOrEqual(cpu.tokensPerCall);
    expect(cpu.tokensPerCall).toBeGreaterThan(linear.tokensPerCall);
  });

  test('maxDraftTokens stays an upper bound', async () => {
    const { steps } = await loopSteps(FLAT, 0, 16);
    expect(Math.max(...steps.map((s) => s.proposed))).toBe(16);
  });
});

describe('DraftPolicy', () => {
  const truth = Array.from({ length: 300 }, (_, i) => i % 90);

  test('the offer with the most expected output per unit of time wins, and acceptance is kept per source', () => {
    const policy = new DraftPolicy(GPU_7B);
    const good = truthDrafter(truth);
    const poor: Drafter = { ...truthDrafter(truth, 2), name: 'poor' };
    policy.acceptance('poor').observe(8, 0);
    policy.acceptance('poor').observe(8, 0);
    const proposal = policy.propose([poor, good], truth.slice(0, 10), 128);
    expect(proposal.drafter).toBe(good);
    expect(proposal.source).toBe('truth');
  });

  test('a drafter with several sources is credited per source kind, and proposes exactly K tokens', () => {
    const policy = new DraftPolicy(GPU_7B);
    const lookup = new InputLookupDrafter([{ name: 'reference 0', tokens: truth }]);
    const proposal = policy.propose([lookup], [], 128);
    expect(proposal.source).toBe('input-lookup:reference');
    expect(proposal.tokens).toEqual(truth.slice(0, 4)); // p = 0.5 at first: 4 tokens on this curve
    policy.observe(proposal, 2);
    expect(policy.acceptance('input-lookup:reference').p).toBeCloseTo(0.64, 10); // (2 + 2 * 0.6) / (2 + 1 + 2), 0.6 the source's overall (2 + 1) / (3 + 2)
  });
});
