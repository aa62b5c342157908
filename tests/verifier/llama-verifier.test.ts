/**
 * The verify loop against real llama.cpp, with a tiny random llama model
 * written by tests/helpers/gguf: speculative output equals the plain greedy
 * decode byte for byte, whatever the sources; prefix reuse and cancellation
 * keep it so.
 */
import { InputLookupDrafter } from '../../drafters/input-lookup-drafter.js';
import { GreedyVerifier, type GreedyVerifierOptions } from '../../verifier/greedy-verifier.js';
import { LlamaTargetModel } from '../../verifier/llama-target-model.js';
import { plainGreedyDecode } from '../../verifier/plain-greedy-decode.js';
import type { TargetModel } from '../../verifier/target-model.js';
import type { DecodeRequest, VerifyRequest, VerifyResult, VerifyStep } from '../../verifier/verify-types.js';
import { writeTinyLlama } from '../helpers/gguf/tiny-llama.js';
import { expectConsistentStats, mutate, okResult } from './fake-helpers.js';
import { instrument, type Instrumented } from './instrumented-model.js';

const PROMPTS = [
  'function add(a, b) {\n    return a + b;\n}\n',
  'for (let i = 0; i < items.length; i++) {\n  total += items[i].price;\n}\n',
  'const names = users.map((u) => u.name).filter(Boolean);\n',
  'class Stack<T> {\n  private items: T[] = [];\n  push(x: T) { this.items.push(x); }\n}\n',
];
const MAX = 48;

let model: LlamaTargetModel;
let oracleModel: LlamaTargetModel;
let cleanup: () => void;

beforeAll(async () => {
  const file = writeTinyLlama({ seed: 42 });
  cleanup = file.cleanup;
  // F32 KV cache and no flash attention: batched and single-token logits then agree closely, as in production with F32 weights.
  const options = { modelPath: file.path, threads: 1, contextSize: 512, sequences: 2, gpu: false as const, kvCacheType: 'F32' as const };
  model = await LlamaTargetModel.load(options);
  oracleModel = await LlamaTargetModel.load({ ...options, sequences: 1 });
});

/** Verifiers made by a test, disposed even when it fails so their sequences go back to the context. */
const verifiers: GreedyVerifier[] = [];
function newVerifier(target: TargetModel, options: GreedyVerifierOptions): GreedyVerifier {
  const verifier = new GreedyVerifier(target, options);
  verifiers.push(verifier);
  return verifier;
}
afterEach(async () => {
  await Promise.all(verifiers.splice(0).map((v) => v.dispose()));
});

/** A source given as the oracle's own tokens: text re-tokenization may split differently, tokens cannot. */
function tokenSource(result: VerifyResult): Partial<VerifyRequest> {
  return { drafters: [new InputLookupDrafter([{ name: 'truth', tokens: result.tokens }])] };
}

afterAll(async () => {
  await model?.dispose();
  await oracleModel?.dispose();
  cleanup?.();
});

/** Plain greedy decoding on a separate context: shares no cache with the verifier under test. */
async function oracle(request: DecodeRequest): Promise<VerifyResult> {
  const sequence = oracleModel.openSequence();
  try {
    return okResult(await plainGreedyDecode(oracleModel, sequence, request));
  } finally {
    await sequence.dispose();
  }
}

async function checkExact(instrumented: Instrumented, verifier: GreedyVerifier, request: DecodeRequest, sources: Partial<VerifyRequest>): Promise<VerifyResult> {
  const expected = await oracle(request);
  const steps: VerifyStep[] = [];
  const before = instrumented.counters.evaluateCalls;
  const actual = okResult(await verifier.verify({ ...request, ...sources, onStep: (s) => steps.push(s) }));
  expect(actual.tokens).toEqual(expected.tokens);
  expect(Buffer.from(actual.text)).toEqual(Buffer.from(expected.text));
  expect(actual.stopReason).toBe(expected.stopReason);
  expectConsistentStats(actual, steps, instrumented.counters.evaluateCalls - before);
  expect(actual.stats.verifierCalls).toBeLessThanOrEqual(expected.stats.verifierCalls);
  return actual;
}

describe('GreedyVerifier on llama.cpp (tiny generated GGUF)', () => {
  test('the generated tokenizer round-trips code', () => {
    for (const text of [...PROMPTS, 'tabs\tand CRLF\r\n, emoji 🎉, CJK 漢字']) {
      expect(model.detokenize(model.tokenize(text))).toBe(text);
    }
  });

  test.each(PROMPTS.map((p, i) => [i, p]))('prompt %i: exact with no source, the true output, a wrong one and an edited one', async (_i, prompt) => {
    const instrumented = instrument(model);
    const verifier = newVerifier(instrumented.model, { sequences: 2, maxDraftTokens: 8 });
    const request = { prompt, maxOutputTokens: MAX };
    const expected = await oracle(request);
    const truth = expected.text;
    await checkExact(instrumented, verifier, request, {});
    const allAccepted = await checkExact(instrumented, verifier, request, tokenSource(expected));
    expect(allAccepted.stats.accepted).toBe(allAccepted.stats.drafted);
    expect(allAccepted.stats.tokensPerCall).toBeGreaterThan(3);
    await checkExact(instrumented, verifier, request, { candidates: [truth] });
    await checkExact(instrumented, verifier, request, { references: [prompt] });
    await checkExact(instrumented, verifier, request, { references: [prompt], candidates: [mutate(truth, 7, 3, 'xyz'), 'nonsense'] });
  });

  test('stop strings end both decodes at the same token', async () => {
    const instrumented = instrument(model);
    const verifier = newVerifier(instrumented.model, { maxDraftTokens: 16 });
    const truth = (await oracle({ prompt: PROMPTS[0], maxOutputTokens: MAX })).text;
    const request = { prompt: PROMPTS[0], maxOutputTokens: MAX, stop: [truth.slice(20, 22)] };
    const result = await checkExact(instrumented, verifier, request, { candidates: [truth] });
    expect(result.stopReason).toBe('stop');
  });

  test('prefix reuse: a task sharing a cached prefix evaluates less and gives the same output as a cold run', async () => {
    const shared = PROMPTS[3] + PROMPTS[1];
    const taskA = { prompt: shared + '// task A\n', maxOutputTokens: 32 };
    const taskB = { prompt: shared + '// task B\n', maxOutputTokens: 32 };
    const warm = instrument(model);
    const verifier = newVerifier(warm.model, { sequences: 1 });
    await checkExact(warm, verifier, taskA, { references: [PROMPTS[1]] });
    const before = warm.counters.evaluatedTokens;
    const warmB = await checkExact(warm, verifier, taskB, { references: [PROMPTS[1]] });
    const prefillB = warm.counters.evaluatedTokens - before - (warmB.stats.drafted + warmB.stats.verifierCalls - 1);
    expect(prefillB).toBeLessThan(model.tokenize('// task B\n').length + 2);
    await verifier.dispose();
    const cold = newVerifier(model, { sequences: 1 });
    const coldB = okResult(await cold.verify({ ...taskB, references: [PROMPTS[1]] }));
    expect(coldB.tokens).toEqual(warmB.tokens);
  });

  test('cancellation mid-verification returns cancelled; the next request on the same verifier is exact', async () => {
    const instrumented = instrument(model);
    const controller = new AbortController();
    instrumented.afterEvaluate = (call) => {
      if (call === 3) controller.abort();
    };
    const verifier = newVerifier(instrumented.model, { sequences: 1, maxDraftTokens: 8 });
    const request = { prompt: PROMPTS[2], maxOutputTokens: MAX };
    const truth = (await oracle(request)).text;
    const outcome = await verifier.verify({ ...request, candidates: [truth], signal: controller.signal });
    expect(outcome.status).toBe('cancelled');
    expect(instrumented.counters.evaluateCalls).toBe(3);
    instrumented.afterEvaluate = undefined;
    await checkExact(instrumented, verifier, request, { candidates: [truth] });
    await checkExact(instrumented, verifier, { prompt: PROMPTS[0], maxOutputTokens: MAX }, { references: [PROMPTS[0]] });
  });

  test('rank mode takes the true output when it is a candidate, and falls back to exact otherwise', async () => {
    const verifier = newVerifier(model, { rankThreshold: 0.95 });
    const request = { prompt: PROMPTS[1], maxOutputTokens: 32, stop: ['\u0000never'] };
    const expected = await oracle({ prompt: PROMPTS[1], maxOutputTokens: 200 });
    const truth = expected.text.slice(0, 40);
    const ranked = await verifier.rankCandidates(request.prompt, [truth, mutate(truth, 3, 4, 'qq')], { stop: [expected.text.slice(40, 44)] });
    if (ranked.status !== 'ok') throw new Error(ranked.status);
    expect(ranked.scores[0].agreement).toBe(1);
    expect(ranked.scores[1].agreement).toBeLessThan(1);
    const fallback = okResult(await verifier.verify({ ...request, mode: 'rank', candidates: ['qq'] }));
    expect(fallback.mode).toBe('exact');
    expect(fallback.tokens).toEqual((await oracle(request)).tokens);
  });
});
