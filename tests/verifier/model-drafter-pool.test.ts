/**
 * Drafter models in piscina workers: one long-lived worker per model, greedy
 * output equal to an in-process decode, cooperative cancellation that keeps
 * the worker, and a crashed worker replaced.
 */
import { join } from 'node:path';
import { ModelDrafterPool } from '../../drafters/model-drafter-pool.js';
import { LlamaTargetModel } from '../../verifier/llama-target-model.js';
import { plainGreedyDecode } from '../../verifier/plain-greedy-decode.js';
import { writeTinyLlama } from '../helpers/gguf/tiny-llama.js';
import { compileWorker } from './compile-worker.js';
import { okResult } from './fake-helpers.js';

const PROMPT = 'function add(a, b) {\n    return a + b;\n}\n';
let pool: ModelDrafterPool;
let modelPath: string;
let cleanup: () => void;
const warnings: string[] = [];

beforeAll(async () => {
  const file = writeTinyLlama({ seed: 7 });
  ({ path: modelPath, cleanup } = file);
  const workerFile = await compileWorker('drafters/model-drafter-worker.ts');
  pool = new ModelDrafterPool(
    [
      { name: 'tiny', modelPath, threads: 1, contextSize: 1024, gpu: false },
      { name: 'missing', modelPath: join(modelPath, '..', 'absent.gguf'), gpu: false },
    ],
    { workerFile, logger: { warn: (m) => warnings.push(m) } },
  );
});

afterAll(async () => {
  await pool?.close();
  cleanup?.();
});

/** The same decode in this process, for comparison. */
async function inProcess(prompt: string, maxTokens: number): Promise<string> {
  const model = await LlamaTargetModel.load({ modelPath, threads: 1, contextSize: 1024, sequences: 1, gpu: false });
  const sequence = model.openSequence();
  const result = okResult(await plainGreedyDecode(model, sequence, { prompt, maxOutputTokens: maxTokens }));
  await sequence.dispose();
  await model.dispose();
  return result.text;
}

async function waitFor(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ModelDrafterPool', () => {
  test('one worker per drafter model; a draft equals the in-process greedy decode', async () => {
    expect(pool.names).toEqual(['tiny', 'missing']);
    expect(pool.workers('tiny')).toHaveLength(1);
    const outcome = await pool.draft('tiny', { prompt: PROMPT, maxTokens: 40 });
    expect(outcome).toMatchObject({ status: 'ok', tokens: 40, stopReason: 'budget' });
    if (outcome.status === 'ok') expect(outcome.text).toBe(await inProcess(PROMPT, 40));
  });

  test('a missing model is a failed outcome naming the file, warned once; other drafters keep working', async () => {
    const outcome = await pool.draft('missing', { prompt: PROMPT, maxTokens: 5 });
    expect(outcome.status).toBe('failed');
    if (outcome.status === 'failed') expect(outcome.reason).toMatch(/^drafter "missing" failed: its model could not be loaded: model file not found: .*absent\.gguf/);
    expect(await pool.draft('missing', { prompt: PROMPT, maxTokens: 5 })).toEqual(outcome);
    expect(warnings).toEqual([outcome.status === 'failed' && outcome.reason]);
    expect((await pool.draft('tiny', { prompt: PROMPT, maxTokens: 3 })).status).toBe('ok');
    expect(await pool.draft('nobody', { prompt: PROMPT, maxTokens: 3 })).toEqual({ status: 'failed', reason: 'no drafter model named "nobody"' });
  });

  test('cancellation is cooperative: the task returns cancelled and the same worker serves the next draft', async () => {
    const before = pool.workers('tiny')[0].threadId;
    const controller = new AbortController();
    const running = pool.draft('tiny', { prompt: PROMPT, maxTokens: 900 }, controller.signal);
    setTimeout(() => controller.abort(), 100);
    expect(await running).toEqual({ status: 'cancelled' });
    expect(pool.workers('tiny')[0].threadId).toBe(before);
    const next = await pool.draft('tiny', { prompt: PROMPT, maxTokens: 20 });
    if (next.status !== 'ok') throw new Error(next.status);
    expect(next.text).toBe(await inProcess(PROMPT, 20));
  });

  test('a killed idle worker is replaced, and the replacement drafts correctly', async () => {
    const victim = pool.workers('tiny')[0];
    await victim.terminate();
    await waitFor(() => pool.workers('tiny').length === 1 && pool.workers('tiny')[0].threadId !== victim.threadId);
    const next = await pool.draft('tiny', { prompt: PROMPT, maxTokens: 20 });
    if (next.status !== 'ok') throw new Error(JSON.stringify(next));
    expect(next.text).toBe(await inProcess(PROMPT, 20));
  });
});

/*
 * Terminating a worker inside a native llama.cpp call aborts the whole process
 * ("terminate called after throwing an instance of 'Napi::Error'"), so a crash
 * during a task is simulated with a worker that has no native code.
 */
describe('ModelDrafterPool crash handling (worker without native code)', () => {
  let fakePool: ModelDrafterPool;
  beforeAll(async () => {
    const workerFile = await compileWorker('tests/verifier/fixtures/exiting-drafter-worker.ts');
    fakePool = new ModelDrafterPool([{ name: 'fake', modelPath: 'unused.gguf' }], { workerFile });
  });
  afterAll(() => fakePool?.close());

  test('a worker that dies during a task fails that task only; a new worker serves the next', async () => {
    expect(await fakePool.draft('fake', { prompt: 'abc', maxTokens: 1 })).toMatchObject({ status: 'ok', text: 'ABC' });
    const victim = fakePool.workers('fake')[0].threadId;
    const outcome = await fakePool.draft('fake', { prompt: 'exit', maxTokens: 1 });
    expect(outcome).toEqual({ status: 'failed', reason: expect.stringMatching(/drafter "fake" failed: .*exited with code: 3/) });
    await waitFor(() => fakePool.workers('fake').length === 1 && fakePool.workers('fake')[0].threadId !== victim);
    expect(await fakePool.draft('fake', { prompt: 'again', maxTokens: 1 })).toMatchObject({ status: 'ok', text: 'AGAIN' });
  });

  test('a worker module that cannot start is a failed outcome every time, never a hang', async () => {
    const workerFile = await compileWorker('tests/verifier/fixtures/broken-drafter-worker.ts');
    const broken = new ModelDrafterPool([{ name: 'broken', modelPath: 'unused.gguf' }], { workerFile });
    for (let i = 0; i < 3; i++) {
      const outcome = await broken.draft('broken', { prompt: 'x', maxTokens: 1 });
      expect(outcome).toEqual({ status: 'failed', reason: expect.stringMatching(/drafter "broken" failed: .*broken worker module/) });
    }
    await broken.close();
  }, 15_000);

  test('a missing worker module is an error at construction', () => {
    expect(() => new ModelDrafterPool([], { workerFile: join(modelPath, '..', 'no-such-worker.js') })).toThrow(/drafter worker module not found: .*no-such-worker\.js/);
  });
});
