/**
 * Cancellation is a value: a cancelled run returns {status: 'cancelled'}
 * within one verifier step, releases its sequence, and the next request on the
 * same verifier is still exact.
 */
import { FakeTargetModel, type FakeTargetModelOptions } from '../../verifier/fake-target-model.js';
import { GreedyVerifier } from '../../verifier/greedy-verifier.js';
import { mutate, okResult, oracleDecode } from './fake-helpers.js';

const options: FakeTargetModelOptions = { seed: 5, copyPercent: 70, eosPercent: 0 };
const prompt = 'function f(a, b) {\n  return a + b;\n}\n';
const request = { prompt, maxOutputTokens: 200 };

/** A fake whose evaluate calls run `hook(callNumber)` first. */
function hookedModel(hook: (call: number) => void | Promise<void>): FakeTargetModel {
  let calls = 0;
  return new FakeTargetModel({ ...options, maxSequences: 1, onEvaluate: () => hook(++calls) });
}

async function expectExactAfterwards(verifier: GreedyVerifier): Promise<void> {
  const expected = await oracleDecode(options, request);
  const truth = okResult(await verifier.verify({ ...request, references: [mutate(expected.text, 30, 2, 'zz')] }));
  expect(truth.tokens).toEqual(expected.tokens);
  const other = { prompt: prompt + 'g', maxOutputTokens: 50 };
  expect(okResult(await verifier.verify(other)).tokens).toEqual((await oracleDecode(options, other)).tokens);
}

describe('cancellation', () => {
  test('abort during a verify call: cancelled within that step, sequence reusable, later runs exact', async () => {
    const controller = new AbortController();
    const model = hookedModel((call) => {
      if (call === 3) controller.abort();
    });
    const verifier = new GreedyVerifier(model, { sequences: 1, maxDraftTokens: 4 });
    const expected = await oracleDecode(options, request);
    const outcome = await verifier.verify({ ...request, references: [expected.text], signal: controller.signal });
    expect(outcome.status).toBe('cancelled');
    expect(model.counters.evaluateCalls).toBe(3);
    if (outcome.status === 'cancelled') expect(outcome.stats.verifierCalls).toBe(3);
    await expectExactAfterwards(verifier); // sequences: 1, so this hangs if the sequence was not released
    await verifier.dispose();
  });

  test('an already aborted signal does no model work', async () => {
    const model = new FakeTargetModel(options);
    const verifier = new GreedyVerifier(model);
    const outcome = await verifier.verify({ ...request, signal: AbortSignal.abort() });
    expect(outcome.status).toBe('cancelled');
    expect(model.counters.evaluateCalls).toBe(0);
    await verifier.dispose();
  });

  test('abort while waiting for a busy sequence returns cancelled; the running request finishes exactly', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const model = hookedModel((call) => (call === 2 ? gate : undefined));
    const verifier = new GreedyVerifier(model, { sequences: 1 });
    const running = verifier.verify(request);
    const controller = new AbortController();
    const waiting = verifier.verify({ ...request, signal: controller.signal });
    controller.abort();
    expect((await waiting).status).toBe('cancelled');
    open();
    expect(okResult(await running).tokens).toEqual((await oracleDecode(options, request)).tokens);
    await verifier.dispose();
  });

  test('abort during rank scoring returns cancelled and leaves the verifier usable', async () => {
    const controller = new AbortController();
    const model = hookedModel((call) => {
      if (call === 2) controller.abort();
    });
    const verifier = new GreedyVerifier(model, { sequences: 1 });
    const outcome = await verifier.verify({ ...request, mode: 'rank', candidates: ['a', 'b', 'c'], signal: controller.signal });
    expect(outcome.status).toBe('cancelled');
    expect(model.counters.evaluateCalls).toBe(2);
    await expectExactAfterwards(verifier);
    await verifier.dispose();
  });

  test('a model error rejects the request, releases the sequence, and later runs are exact', async () => {
    const model = hookedModel((call) => {
      if (call === 4) throw new Error('native failure');
    });
    const verifier = new GreedyVerifier(model, { sequences: 1 });
    await expect(verifier.verify({ ...request, references: [prompt] })).rejects.toThrow('native failure');
    await expectExactAfterwards(verifier);
    await verifier.dispose();
  });

  test('concurrent requests each get their own sequence and stay exact', async () => {
    const verifier = new GreedyVerifier(new FakeTargetModel(options), { sequences: 2 });
    const requests = [request, { prompt: prompt + 'x', maxOutputTokens: 80 }, { prompt: 'let y = 2;', maxOutputTokens: 60 }];
    const outcomes = await Promise.all(requests.map((r) => verifier.verify({ ...r, references: [prompt] })));
    for (const [i, r] of requests.entries()) expect(okResult(outcomes[i]).tokens).toEqual((await oracleDecode(options, r)).tokens);
    await verifier.dispose();
  });
});
