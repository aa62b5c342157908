/**
 * Without usable models the structural features keep working and every
 * model-backed kind answers with a reason that names the file and how to get
 * it; a model file that makes llama.cpp abort is refused without taking this
 * process down. Models load on the first request that needs them and are
 * tried again after a failure. Multi-file results merge per file.
 */
import { jest } from '@jest/globals';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOrchestrator } from '../../engine/create-orchestrator.js';
import { LazyModelEngine } from '../../engine/lazy-model-engine.js';
import { loadSpeculativeEngine, type ModelSetup } from '../../engine/model-loader.js';
import { LlamaTargetModel } from '../../verifier/llama-target-model.js';
import type { ModelEngine } from '../../engine/edit-pipeline.js';
import { computeMultiFileEdit, mergeResults } from '../../engine/multi-file-edit.js';
import { projectRoot, readShippedModels } from '../../engine/shipped-models.js';
import { configSchema, type Config } from '../../protocol/config.js';
import type { EditOrchestrator, EditOutcome, EditResult } from '../../protocol/edit-task.js';
import { finishStats } from '../../protocol/stats.js';
import { SOURCE, offsetOf, task, taskAt } from './engine-helpers.js';
import { GGML_TYPE, patchGguf } from '../helpers/gguf/gguf-patch.js';
import { compileWorker } from '../verifier/compile-worker.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'specedit-orchestrator-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
const signal = () => new AbortController().signal;
const loop = () => taskAt('optimizeLoop', 'for (let i');
const renameTo = () => task('rename', offsetOf(SOURCE, 'let t') + 4, offsetOf(SOURCE, 'let t') + 5, { newName: 'total' });

async function reasonFor(config: Partial<Config>, manifestPath: string, kindTask = loop(), setup: ModelSetup = {}): Promise<string> {
  const orchestrator = createOrchestrator(configSchema.parse(config), quiet, { manifestPath, gpu: false, ...setup });
  try {
    const outcome = await orchestrator.computeEdit(kindTask, { signal: signal() });
    if (outcome.status !== 'unavailable') throw new Error(`expected unavailable, got ${JSON.stringify(outcome)}`);
    // Structural features keep working alongside.
    expect(await orchestrator.computeEdit(renameTo(), { signal: signal() })).toMatchObject({ status: 'ok', result: { mode: 'structural' } });
    return outcome.reason;
  } finally {
    await orchestrator.dispose?.();
  }
}

describe('missing or broken models: a clear reason, structural edits still work', () => {
  test('no manifest and no configured model', async () => {
    const manifest = join(dir, 'none', 'models', 'manifest.json');
    const reason = await reasonFor({}, manifest);
    expect(reason).toBe(
      `The optimizeLoop edit needs the models, which are not available: no verifier model is configured and the shipped models are missing (${manifest} not found); ` +
        'build the shipped models with `make -f training/models.mk models`; or set "verifierModel" to a GGUF path or an hf: URI.',
    );
  });

  test('a manifest whose verifier file is missing names the file', async () => {
    mkdirSync(join(dir, 'shipped', 'models'), { recursive: true });
    const manifest = join(dir, 'shipped', 'models', 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ models: [{ name: 'verifier', role: 'verifier', file: 'models/verifier.gguf' }] }));
    const reason = await reasonFor({}, manifest, task('rename', offsetOf(SOURCE, 'let t') + 4, offsetOf(SOURCE, 'let t') + 5));
    expect(reason).toMatch(/^Suggesting a name needs the models, which are not available: the shipped verifier model models\/verifier\.gguf was not found \(.*shipped\/models\/verifier\.gguf\); build the shipped models with `make -f training\/models\.mk models`/);
    expect(reason).toMatch(/use your editor's rename \(textDocument\/rename\)\.$/);
  });

  test('a manifest that is not one', async () => {
    mkdirSync(join(dir, 'bad', 'models'), { recursive: true });
    const manifest = join(dir, 'bad', 'models', 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ models: [{ name: 'v', role: 'judge', file: 'x.gguf' }] }));
    expect(await reasonFor({}, manifest)).toMatch(/manifest\.json is not a model manifest \(models\.0\.role: .*\); build the shipped models/);
  });

  test('a configured model path that does not exist', async () => {
    const missing = join(dir, 'nowhere', 'big.gguf');
    expect(await reasonFor({ verifierModel: missing }, join(dir, 'none.json'))).toMatch(
      new RegExp(`the configured verifier model cannot be used: model file not found: ${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\. .*hf:`),
    );
  });

  test('a configured file that is not a GGUF model', async () => {
    const corrupt = join(dir, 'corrupt.gguf');
    writeFileSync(corrupt, 'this is not a model');
    expect(await reasonFor({ verifierModel: corrupt }, join(dir, 'none.json'))).toMatch(/corrupt\.gguf is not a readable GGUF model .*re-download or re-export it/);
  });

  test('an hf: model without downloads allowed says how to fetch it', async () => {
    const reason = await reasonFor({ verifierModel: 'hf:specedit/none-such-model:Q8_0' }, join(dir, 'none.json'));
    expect(reason).toMatch(/downloads are off: fetch it with `npx --no node-llama-cpp pull .*hf:specedit\/none-such-model:Q8_0` or set "allowDownload": true/);
  });
});

describe('corrupt model files: refused with the file named, the process lives', () => {
  const MODELS = join(import.meta.dirname, '..', '..', 'models');
  const verifier = join(MODELS, 'verifier.gguf');
  const extract = () => taskAt('extract', 'const item = items[i];\n    t += item.price * item.quantity;');
  let probeFile: string;
  /** A copy of a shipped model that passes the metadata checks but aborts llama.cpp at the first evaluation (a norm tensor typed I32). */
  const aborting = (model: string, name: string) => corruptCopy(model, name, { tensorTypes: { 'blk.0.attn_norm.weight': GGML_TYPE.I32 } });
  const headless = (model: string, name: string) => corruptCopy(model, name, { metadata: { 'llama.attention.head_count': 0 } });
  function corruptCopy(model: string, name: string, patch: Parameters<typeof patchGguf>[1]): string {
    const path = join(dir, name);
    writeFileSync(path, patchGguf(readFileSync(join(MODELS, model)), patch));
    return path;
  }
  beforeAll(async () => {
    probeFile = await compileWorker('verifier/model-probe-child.ts');
  });

  test('a verifier llama.cpp aborts on: the model kinds say why, naming it; rename and extract still work; a retry does not load it again', async () => {
    const file = aborting('verifier.gguf', 'verifier-aborts.gguf');
    const orchestrator = createOrchestrator(configSchema.parse({ verifierModel: file }), quiet, { manifestPath: join(dir, 'none.json'), gpu: false, probeFile });
    try {
      const outcome = await orchestrator.computeEdit(loop(), { signal: signal() });
      expect(outcome).toEqual({
        status: 'unavailable',
        reason: expect.stringMatching(
          /^The optimizeLoop edit needs the models, which are not available: llama\.cpp aborted \(SIGABRT\) on .*verifier-aborts\.gguf, loaded first in a separate process so the server keeps running: .*binary_op: unsupported types.*; the file is corrupt or not supported by this version of llama\.cpp: re-download or re-export it\.$/,
        ),
      });
      expect(await orchestrator.computeEdit(renameTo(), { signal: signal() })).toMatchObject({ status: 'ok', result: { mode: 'structural' } });
      expect(await orchestrator.computeEdit(extract(), { signal: signal() })).toMatchObject({ status: 'ok', result: { title: expect.stringMatching(/default name: the models could not name it/) } });
      const started = performance.now();
      expect(await orchestrator.computeEdit(loop(), { signal: signal() })).toEqual(outcome);
      expect(performance.now() - started).toBeLessThan(500); // remembered, not tested again
    } finally {
      await orchestrator.dispose?.();
    }
  });

  test('a verifier whose metadata llama.cpp asserts on is refused before any load', async () => {
    const file = headless('verifier.gguf', 'verifier-no-heads.gguf');
    expect(await reasonFor({ verifierModel: file }, join(dir, 'none.json'), loop(), { probeFile })).toMatch(
      /the configured verifier model cannot be used: .*verifier-no-heads\.gguf is a corrupt GGUF model: llama\.attention\.head_count is 0; re-download or re-export it\.$/,
    );
  });

  test('corrupt drafters are left out with a warning naming the file; the verifier still edits', async () => {
    const drafters = [
      { name: 'aborts', model: aborting('drafter-rename.gguf', 'drafter-aborts.gguf') },
      { name: 'headless', model: headless('drafter-rename.gguf', 'drafter-no-heads.gguf') },
    ];
    const logs: string[] = [];
    const logger = { error: () => undefined, warn: (m: string) => logs.push(`warn ${m}`), info: (m: string) => logs.push(`info ${m}`), debug: () => undefined };
    const config = configSchema.parse({ verifierModel: verifier, drafters, maxOutputTokens: 24 });
    const orchestrator = createOrchestrator(config, logger, { manifestPath: join(dir, 'none.json'), gpu: false, probeFile, minDrafterSpeedup: 0 });
    try {
      // The shipped verifier writes 24 tokens of the loop edit, then stops at the budget.
      expect(await orchestrator.computeEdit(loop(), { signal: signal() })).toEqual({ status: 'unavailable', reason: expect.stringMatching(/did not finish the edit within 24 tokens/) });
      expect(logs).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^warn drafter "aborts" is left out: llama\.cpp aborted \(SIGABRT\) on .*drafter-aborts\.gguf, loaded first in a separate process/),
          expect.stringMatching(/^warn drafter "headless" is left out: .*drafter-no-heads\.gguf is a corrupt GGUF model: llama\.attention\.head_count is 0/),
          expect.stringMatching(/^info models loaded in \d+ ms: verifier .*verifier\.gguf \(markers prompts, \d+ tokens\/s\), no drafter models$/),
        ]),
      );
    } finally {
      await orchestrator.dispose?.();
    }
  });

  test('the verifier is disposed when the drafters fail after it loaded', async () => {
    const dispose = jest.spyOn(LlamaTargetModel.prototype, 'dispose');
    const logger = { ...quiet, warn: () => { throw new Error('the logger failed'); } };
    const config = configSchema.parse({ verifierModel: verifier, drafters: [{ name: 'gone', model: join(dir, 'gone.gguf') }] });
    try {
      await expect(loadSpeculativeEngine(config, logger, { gpu: false, probeFile })).rejects.toThrow('the logger failed');
      expect(dispose).toHaveBeenCalledTimes(1);
    } finally {
      dispose.mockRestore();
    }
  });
});

describe('shipped models', () => {
  test('the project root is found from the module; the manifest paths resolve under it', () => {
    const root = projectRoot();
    expect(root).toBe(join(import.meta.dirname, '..', '..'));
    mkdirSync(join(dir, 'ok', 'models'), { recursive: true });
    const manifest = join(dir, 'ok', 'models', 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ models: [{ name: 'v', role: 'verifier', file: 'models/v.gguf', sha256: 'x' }, { name: 'd', role: 'drafter', file: 'models/d.gguf', kinds: ['fix'], promptContextChars: 600 }] }));
    expect(readShippedModels(manifest)).toEqual({
      ok: true,
      manifestPath: manifest,
      models: [
        { name: 'v', role: 'verifier', file: 'models/v.gguf', path: join(dir, 'ok', 'models', 'v.gguf'), kinds: ['rename', 'extract', 'optimizeLoop', 'fix', 'instruction'], promptContextChars: 0 },
        { name: 'd', role: 'drafter', file: 'models/d.gguf', path: join(dir, 'ok', 'models', 'd.gguf'), kinds: ['fix'], promptContextChars: 600 },
      ],
    });
  });
});

describe('lazy loading', () => {
  function fakeEngine(): ModelEngine & { disposed: number } {
    return {
      disposed: 0,
      computeEdit: async () => ({ status: 'unavailable', reason: 'fake engine ran' }),
      async dispose() {
        this.disposed++;
      },
    };
  }

  test('nothing loads until a request needs it; a failure is retried on the next request; then it stays loaded', async () => {
    let loads = 0;
    const engine = fakeEngine();
    const warnings: string[] = [];
    const lazy = new LazyModelEngine(async () => {
      loads++;
      if (loads === 1) throw new Error('model file not found: /m.gguf');
      return engine;
    }, { info: () => undefined, warn: (m) => warnings.push(m) });
    expect(loads).toBe(0);
    const progress: string[] = [];
    expect(await lazy.computeEdit(loop(), { signal: signal(), progress: (m) => progress.push(m) })).toEqual({
      status: 'unavailable',
      reason: 'The optimizeLoop edit needs the models, which are not available: model file not found: /m.gguf.',
    });
    expect(progress).toEqual(['loading models']);
    expect(warnings).toEqual(['models unavailable: model file not found: /m.gguf']);
    expect(await lazy.computeEdit(loop(), { signal: signal() })).toEqual({ status: 'unavailable', reason: 'fake engine ran' });
    await lazy.computeEdit(loop(), { signal: signal() });
    expect(loads).toBe(2);
    expect(lazy.loaded).toBe(true);
    await lazy.dispose();
    expect(engine.disposed).toBe(1);
  });

  test('a request cancelled while the models load is cancelled; the load goes on for the next one', async () => {
    let release!: () => void;
    const engine = fakeEngine();
    const lazy = new LazyModelEngine(() => new Promise<ModelEngine>((resolve) => (release = () => resolve(engine))), { info: () => undefined, warn: () => undefined });
    const controller = new AbortController();
    const first = lazy.computeEdit(loop(), { signal: controller.signal });
    controller.abort();
    expect(await first).toEqual({ status: 'cancelled' });
    const second = lazy.computeEdit(loop(), { signal: signal() });
    release();
    expect(await second).toEqual({ status: 'unavailable', reason: 'fake engine ran' });
    await lazy.dispose();
  });
});

describe('multi-file edits', () => {
  const result = (uri: string, start: number, mode: EditResult['mode'], drafted: number): EditResult => ({
    title: `edit ${uri}`,
    mode,
    edits: [{ uri, version: 1, replacements: [{ start, end: start + 1, newText: 'x' }] }],
    stats: finishStats({ drafted, accepted: drafted / 2, verifierCalls: 2, outputTokens: 10, wallMs: 5 }),
  });

  test('results merge per file, statistics add up, the lossiest mode is named', () => {
    const merged = mergeResults([result('a', 5, 'exact', 10), result('b', 1, 'structural', 0), result('a', 1, 'rank', 4)], 42);
    expect(merged).toEqual({
      status: 'ok',
      result: {
        title: 'edit a (3 scopes in 2 files)',
        mode: 'rank',
        edits: [
          { uri: 'a', version: 1, replacements: [{ start: 1, end: 2, newText: 'x' }, { start: 5, end: 6, newText: 'x' }] },
          { uri: 'b', version: 1, replacements: [{ start: 1, end: 2, newText: 'x' }] },
        ],
        stats: finishStats({ drafted: 14, accepted: 7, verifierCalls: 6, outputTokens: 30, wallMs: 42 }),
      },
    });
    expect(mergeResults([result('a', 1, 'exact', 0), result('a', 1, 'exact', 0)], 1)).toEqual({ status: 'unavailable', reason: 'two scopes of the edit overlap in a (at offset 1)' });
  });

  test('the scopes run in turn; one unavailable scope fails the whole edit and the rest do not run', async () => {
    const ran: string[] = [];
    let running = 0;
    const orchestrator: EditOrchestrator = {
      async computeEdit(t, context): Promise<EditOutcome> {
        ran.push(t.document.uri);
        expect(++running).toBe(1);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        context.progress?.('verifying');
        if (t.document.uri === 'bad') return { status: 'unavailable', reason: 'no' };
        return { status: 'ok', result: result(t.document.uri, 1, 'exact', 2) };
      },
    };
    const make = (uri: string) => ({ ...loop(), document: { ...loop().document, uri } });
    expect(await computeMultiFileEdit(orchestrator, [make('a'), make('bad'), make('c')], { signal: signal() })).toEqual({ status: 'unavailable', reason: 'bad: no' });
    expect(ran).toEqual(['a', 'bad']);
    const progress: string[] = [];
    expect(await computeMultiFileEdit(orchestrator, [make('a'), make('b')], { signal: signal(), progress: (m) => progress.push(m) })).toMatchObject({ status: 'ok', result: { edits: [{ uri: 'a' }, { uri: 'b' }] } });
    expect(progress).toEqual(['scope 1 of 2: verifying', 'scope 2 of 2: verifying']);
  });
});
