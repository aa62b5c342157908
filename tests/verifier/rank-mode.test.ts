/** Rank mode (lossy, named as such): whole candidates scored by agreement; below the threshold the exact loop runs. */
import { FakeTargetModel, type FakeTargetModelOptions } from '../../verifier/fake-target-model.js';
import { GreedyVerifier } from '../../verifier/greedy-verifier.js';
import { mutate, okResult, oracleDecode } from './fake-helpers.js';

const options: FakeTargetModelOptions = { seed: 9, copyPercent: 60, eosPercent: 0 };
const prompt = 'const total = items.reduce((a, b) => a + b, 0);\n';

async function setup(modelOptions = options) {
  const unbounded = await oracleDecode(modelOptions, { prompt, maxOutputTokens: 80 });
  const stop = [unbounded.text.substr(40, 3)];
  const expected = await oracleDecode(modelOptions, { prompt, stop, maxOutputTokens: 80 });
  const model = new FakeTargetModel(modelOptions);
  return { stop, expected, model, verifier: new GreedyVerifier(model, { rankThreshold: 0.95 }) };
}

describe('rank mode', () => {
  test('scores: the true output 1, an edited one less, a truncated one less, junk near 0', async () => {
    const { stop, expected, verifier } = await setup();
    expect(expected.stopReason).toBe('stop');
    const candidates = [expected.text, mutate(expected.text, 5, 2, 'Q'), expected.text.slice(0, -3), '#$%&'];
    const ranked = await verifier.rankCandidates(prompt, candidates, { stop });
    if (ranked.status !== 'ok') throw new Error(ranked.status);
    const agreement = ranked.scores.map((s) => s.agreement);
    expect(agreement[0]).toBe(1);
    expect(agreement[1]).toBeLessThan(1);
    expect(agreement[2]).toBeLessThan(1); // scored with its terminator, so stopping early is a disagreement
    expect(agreement[3]).toBeLessThan(0.5);
    await verifier.dispose();
  });

  test('a candidate above the threshold is the output, in one call per candidate', async () => {
    const { stop, expected, model, verifier } = await setup();
    const candidates = [mutate(expected.text, 5, 2, 'Q'), expected.text, 'junk'];
    const result = okResult(await verifier.verify({ prompt, stop, maxOutputTokens: 80, mode: 'rank', candidates }));
    expect(result.mode).toBe('rank');
    expect(result.chosenCandidate).toBe(1);
    expect(result.text).toBe(expected.text);
    expect(result.scores?.map((s) => s.candidate)).toEqual([0, 1, 2]);
    expect(result.stats.verifierCalls).toBe(1 + candidates.length);
    expect(model.counters.evaluateCalls).toBe(1 + candidates.length);
    await verifier.dispose();
  });

  test('no candidate above the threshold: the exact loop runs, with the candidates as drafts', async () => {
    const { stop, expected, verifier } = await setup();
    const candidates = [mutate(expected.text, 5, 2, 'Q'), 'junk'];
    const result = okResult(await verifier.verify({ prompt, stop, maxOutputTokens: 80, mode: 'rank', candidates }));
    expect(result.mode).toBe('exact');
    expect(result.tokens).toEqual(expected.tokens);
    expect(result.scores).toHaveLength(2);
    expect(result.stats.accepted).toBeGreaterThan(0);
    await verifier.dispose();
  });

  test('without stop strings a candidate is scored with end-of-generation after it', async () => {
    const eosOptions = { ...options, eosPercent: 6, seed: 4 };
    const expected = await oracleDecode(eosOptions, { prompt, maxOutputTokens: 200 });
    expect(expected.stopReason).toBe('eog');
    const verifier = new GreedyVerifier(new FakeTargetModel(eosOptions));
    const ranked = await verifier.rankCandidates(prompt, [expected.text, expected.text + 'x']);
    if (ranked.status !== 'ok') throw new Error(ranked.status);
    expect(ranked.scores[0].agreement).toBe(1);
    expect(ranked.scores[1].agreement).toBeLessThan(1);
    const result = okResult(await verifier.verify({ prompt, mode: 'rank', candidates: [expected.text] }));
    expect(result).toMatchObject({ mode: 'rank', text: expected.text, stopReason: 'eog' });
    await verifier.dispose();
  });
});
