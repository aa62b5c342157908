/**
 * The engine on real llama.cpp models: tiny random-weight GGUF files from
 * tests/helpers/gguf as verifier and drafter (the drafter in the piscina
 * pool). Random weights never write the end marker, so each edit ends at the
 * token budget; what is checked is the heart of it: for tasks of every kind,
 * the verifier's text is byte for byte the plain greedy decode of the same
 * prompt on a separate context, with the structural and drafter layers
 * running. Then cancellation mid-verification, and the orchestrator built
 * from configuration (lazy load, a missing drafter left out).
 */
import { applyReplacements } from '../../protocol/text.js';
import { syntaxProblems } from '../../syntax/diagnostics.js';
import { SyntaxDocument } from '../../syntax/syntax-document.js';
import { poolDrafters } from '../../engine/candidates.js';
import { createOrchestrator } from '../../engine/create-orchestrator.js';
import { SpeculativeEngine } from '../../engine/speculative-engine.js';
import { ModelDrafterPool } from '../../drafters/model-drafter-pool.js';
import { EDIT_KINDS, type EditTask } from '../../protocol/edit-task.js';
import { configSchema } from '../../protocol/config.js';
import { END_MARKER } from '../../protocol/prompt-format.js';
import { GreedyVerifier } from '../../verifier/greedy-verifier.js';
import { LlamaTargetModel } from '../../verifier/llama-target-model.js';
import { plainGreedyDecode } from '../../verifier/plain-greedy-decode.js';
import { writeTinyLlama } from '../helpers/gguf/tiny-llama.js';
import { compileWorker } from '../verifier/compile-worker.js';
import { SOURCE, offsetOf, task, taskAt } from './engine-helpers.js';

const MAX_OUTPUT = 40;
const BROKEN = SOURCE.replace('Math.round(taxed', 'Math.round(taxd');
const DID_YOU_MEAN = { diagnostic: { message: "Cannot find name 'taxd'. Did you mean 'taxed'?" } };
const MODEL_OPTIONS = { threads: 1, contextSize: 2048, gpu: false as const, kvCacheType: 'F32' as const };

let verifierFile: { path: string; cleanup: () => void };
let drafterFile: { path: string; cleanup: () => void };
let workerFile: string;
let model: LlamaTargetModel;
let oracleModel: LlamaTargetModel;
let pool: ModelDrafterPool;
let engine: SpeculativeEngine;

beforeAll(async () => {
  verifierFile = writeTinyLlama({ seed: 42, contextLength: 4096 });
  drafterFile = writeTinyLlama({ seed: 7, contextLength: 4096, embedding: 16, heads: 2, layers: 1, feedForward: 32 });
  workerFile = await compileWorker('drafters/model-drafter-worker.ts');
  // Two sequences for the engine's verifier (it may hold both), one for the tests that make their own verifier on this context.
  model = await LlamaTargetModel.load({ ...MODEL_OPTIONS, modelPath: verifierFile.path, sequences: 3 });
  oracleModel = await LlamaTargetModel.load({ ...MODEL_OPTIONS, modelPath: verifierFile.path, sequences: 1 });
  pool = new ModelDrafterPool([{ name: 'tiny-drafter', modelPath: drafterFile.path, threads: 1, contextSize: 2048, gpu: false }], { workerFile });
  const verifier = new GreedyVerifier(model, { sequences: 2, maxDraftTokens: 16 });
  engine = new SpeculativeEngine({ verifier, drafters: poolDrafters(pool, new Map([['tiny-drafter', [...EDIT_KINDS]]])), maxOutputTokens: MAX_OUTPUT, workspaceRoot: '/workspace' });
});

afterAll(async () => {
  await engine?.dispose();
  await pool?.close();
  await model?.dispose();
  await oracleModel?.dispose();
  verifierFile?.cleanup();
  drafterFile?.cleanup();
});

async function oracle(prompt: string) {
  const sequence = oracleModel.openSequence();
  try {
    const outcome = await plainGreedyDecode(oracleModel, sequence, { prompt, stop: [END_MARKER], maxOutputTokens: MAX_OUTPUT });
    if (outcome.status !== 'ok') throw new Error(JSON.stringify(outcome));
    return outcome.result;
  } finally {
    await sequence.dispose();
  }
}

const cursor = (needle: string, shift = 0) => offsetOf(SOURCE, needle) + shift;
const TASKS: { name: string; task: () => EditTask; structural?: string }[] = [
  { name: 'optimizeLoop (cursor on for)', task: () => taskAt('optimizeLoop', 'for (let i') },
  { name: 'optimizeLoop (cursor in body)', task: () => task('optimizeLoop', cursor('item.quantity'), cursor('item.quantity')) },
  { name: 'fix (no repair without a model)', task: () => taskAt('fix', 'taxd', { diagnostic: { message: "Cannot find name 'taxd'." } }, BROKEN) },
  { name: 'instruction (selection)', task: () => taskAt('instruction', 'const taxed = t * (1 + TAX_RATE);', { instruction: 'Use a tax rate argument.' }) },
  { name: 'instruction (cursor: the function)', task: () => task('instruction', cursor('lines.join'), cursor('lines.join'), { instruction: 'Sort the lines.' }) },
  { name: 'rename to a given name', task: () => task('rename', cursor('let t', 4), cursor('let t', 5), { newName: 'total' }), structural: 'structural rename' },
  { name: 'rename a parameter', task: () => task('rename', cursor('items: LineItem[]): string', 0), cursor('items: LineItem[]): string', 5), { newName: 'lineItems' }), structural: 'structural rename' },
];

describe('exact mode on llama.cpp: the edit text is the plain greedy decode of the same prompt', () => {
  test.each(TASKS)('$name', async ({ task: makeTask, structural }) => {
    const run = await engine.run(makeTask(), { signal: new AbortController().signal });
    expect(run.verified).toBeDefined();
    const expected = await oracle(run.prompt!);
    expect(run.verified!.tokens).toEqual(expected.tokens);
    expect(Buffer.from(run.verified!.text)).toEqual(Buffer.from(expected.text));
    expect(run.verified!.mode).toBe('exact');
    // Random weights never write the end marker: the outcome says so rather than applying a cut edit.
    expect(run.outcome).toEqual({ status: 'unavailable', reason: `the verifier did not finish the edit within ${MAX_OUTPUT} tokens; raise maxOutputTokens or select a smaller scope` });
    // The drafter model ran in the pool; its random text never parses, so it is dropped before the verifier.
    expect(run.candidates).toContainEqual(expect.objectContaining({ name: 'tiny-drafter', layer: 'model', status: 'dropped' }));
    if (structural) expect(run.candidates).toContainEqual(expect.objectContaining({ name: structural, layer: 'structural', status: 'kept' }));
    expect(run.verified!.stats.verifierCalls).toBeLessThanOrEqual(expected.stats.verifierCalls);
  });
});

test('fix with a repair found without a model: the diagnostic\'s suggestion is applied; one-token syntax repairs are ranked by llama.cpp', async () => {
  const named = await engine.run(taskAt('fix', 'taxd', DID_YOU_MEAN, BROKEN), { signal: new AbortController().signal });
  expect(named.outcome).toMatchObject({ status: 'ok', result: { mode: 'structural', considered: ['fix: did you mean'] } });
  const unclosed = SOURCE.replace('return Math.round(taxed * 100) / 100;', 'return Math.round(taxed * 100 / 100;');
  const at = unclosed.indexOf('100 / 100;') + 10;
  const ranked = await engine.run(task('fix', at, at, { diagnostic: { message: "')' expected." } }, unclosed), { signal: new AbortController().signal });
  expect(ranked.outcome).toMatchObject({ status: 'ok', result: { mode: 'rank' } });
  const result = (ranked.outcome as Extract<typeof ranked.outcome, { status: 'ok' }>).result;
  expect(result.considered!.length).toBeGreaterThan(1);
  expect(result.stats.verifierCalls).toBeGreaterThan(0);
  // Whichever repair random weights prefer, it parses: the scope is free of syntax errors.
  const fixed = applyReplacements(unclosed, result.edits[0].replacements);
  expect(syntaxProblems(new SyntaxDocument('typescript', fixed).tree)).toEqual([]);
});

test('extract is structural, the models only name it: the random drafter text never parses, so the default name, and no decode', async () => {
  const run = await engine.run(taskAt('extract', 'const item = items[i];\n    t += item.price * item.quantity;'), { signal: new AbortController().signal });
  expect(run.outcome).toMatchObject({ status: 'ok', result: { mode: 'structural', considered: ['extracted'] } });
  expect(run.candidates).toContainEqual(expect.objectContaining({ name: 'tiny-drafter', layer: 'model', status: 'dropped' }));
  expect(run.verified).toBeUndefined();
});

test('a candidate that adds a syntax error is dropped before the verifier; a sound one is used; the output stays exact', async () => {
  const cartTotal = SOURCE.slice(offsetOf(SOURCE, 'export function cartTotal'), offsetOf(SOURCE, '}\n\nexport function describe') + 1);
  const written = (text: string) => async () => ({ status: 'ok' as const, text: `${text}\n`, tokens: 10, stopReason: 'stop' as const, ms: 1 });
  const drafters = [
    { name: 'broken', kinds: [...EDIT_KINDS], draft: written(cartTotal.replace('return Math.round(', 'return Math.round((')) },
    { name: 'sound', kinds: [...EDIT_KINDS], draft: written(cartTotal.replace('let t = 0;', 'let t = 0; // running total')) },
  ];
  const verifier = new GreedyVerifier(model, { sequences: 1, maxDraftTokens: 16 });
  const withStubs = new SpeculativeEngine({ verifier, drafters, maxOutputTokens: MAX_OUTPUT, workspaceRoot: '/workspace' });
  try {
    const run = await withStubs.run(task('instruction', cursor('let t'), cursor('let t'), { instruction: 'Keep the code unchanged.' }), { signal: new AbortController().signal });
    expect(run.candidates).toContainEqual(expect.objectContaining({ name: 'broken', status: 'dropped', reason: expect.stringMatching(/^Syntax error: .*\(line \d+\)$/) }));
    expect(run.candidates).toContainEqual(expect.objectContaining({ name: 'sound', status: 'kept' }));
    expect(run.verified!.tokens).toEqual((await oracle(run.prompt!)).tokens);
  } finally {
    await verifier.dispose();
  }
});

test('cancellation in the middle of verification frees the sequence; the next request is exact again', async () => {
  const controller = new AbortController();
  const messages: string[] = [];
  const outcome = await engine.computeEdit(taskAt('optimizeLoop', 'for (let i'), {
    signal: controller.signal,
    progress: (m) => {
      messages.push(m);
      if (m.startsWith('verifying')) controller.abort();
    },
  });
  expect(outcome).toEqual({ status: 'cancelled' });
  expect(messages.some((m) => m.startsWith('verifying'))).toBe(true);
  const run = await engine.run(TASKS[0].task(), { signal: new AbortController().signal });
  expect(run.verified!.tokens).toEqual((await oracle(run.prompt!)).tokens);
});

test('the orchestrator from configuration: models load on the first model request; a missing drafter is left out', async () => {
  const config = configSchema.parse({
    verifierModel: verifierFile.path,
    drafters: [
      { name: 'tiny', model: drafterFile.path, kinds: ['optimizeLoop'] },
      { name: 'gone', model: '/nonexistent/drafter.gguf' },
    ],
    maxOutputTokens: 24,
    contextSize: 2048,
  });
  const logs: string[] = [];
  const logger = { error: (m: string) => logs.push(`error ${m}`), warn: (m: string) => logs.push(`warn ${m}`), info: (m: string) => logs.push(`info ${m}`), debug: () => undefined };
  // Random tiny models decode at the speed of their call overhead: the measured admission rule is tested below.
  const orchestrator = createOrchestrator(config, logger, { workerFile, gpu: false, kvCacheType: 'F32', minDrafterSpeedup: 0 });
  try {
    const structural = await orchestrator.computeEdit(task('rename', cursor('let t', 4), cursor('let t', 5), { newName: 'total' }), { signal: new AbortController().signal });
    expect(structural).toMatchObject({ status: 'ok', result: { mode: 'structural' } });
    expect(logs).toEqual([]); // a structural edit loads nothing
    const loop = await orchestrator.computeEdit(taskAt('optimizeLoop', 'for (let i'), { signal: new AbortController().signal });
    expect(loop).toEqual({ status: 'unavailable', reason: expect.stringMatching(/did not finish the edit within 24 tokens/) });
    expect(logs).toContainEqual(expect.stringMatching(/^warn drafter "gone" is left out: .*\/nonexistent\/drafter\.gguf/));
    expect(logs).toContainEqual(expect.stringMatching(/^info models loaded in \d+ ms: verifier .*tiny-llama\.gguf \(markers prompts, \d+ tokens\/s\), drafters tiny \(optimizeLoop\)$/));
  } finally {
    await orchestrator.dispose?.();
  }
});

test('a drafter that does not decode minDrafterSpeedup times as fast as the verifier (both measured in their test loads) is left out', async () => {
  const config = configSchema.parse({ verifierModel: verifierFile.path, drafters: [{ name: 'big', model: verifierFile.path }], maxOutputTokens: 8 });
  const logs: string[] = [];
  const logger = { error: (m: string) => logs.push(`error ${m}`), warn: (m: string) => logs.push(`warn ${m}`), info: (m: string) => logs.push(`info ${m}`), debug: () => undefined };
  const orchestrator = createOrchestrator(config, logger, { workerFile, gpu: false, kvCacheType: 'F32', minDrafterSpeedup: 50 });
  try {
    await orchestrator.computeEdit(taskAt('optimizeLoop', 'for (let i'), { signal: new AbortController().signal });
    expect(logs).toContainEqual(expect.stringMatching(/^warn drafter "big" is left out: it decodes \d+ tokens\/s, \d+\.\dx the verifier's \d+ \(measured in their test loads\)/));
    expect(logs).toContainEqual(expect.stringMatching(/^info models loaded in \d+ ms: .*, no drafter models$/));
  } finally {
    await orchestrator.dispose?.();
  }
});
