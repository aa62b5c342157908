/**
 * A model file is loaded first in a child process (verifier/model-probe.ts):
 * a file that passes the metadata checks but makes llama.cpp abort natively
 * (a norm tensor typed I32 instead of F32: the first evaluation hits
 * GGML_ABORT in ggml's binary ops) is an error naming the file, quoting
 * llama.cpp, and this process lives on. Verdicts are remembered per file
 * identity; passes also across processes through the cache file.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LlamaTargetModel } from '../../verifier/llama-target-model.js';
import { checkGgufFile, ModelFileError } from '../../verifier/model-resolver.js';
import { llamaLines, probeModelFile, type ModelProbeOptions } from '../../verifier/model-probe.js';
import { GGML_TYPE, patchGguf } from '../helpers/gguf/gguf-patch.js';
import { compileWorker } from './compile-worker.js';

const VERIFIER = join(import.meta.dirname, '..', '..', 'models', 'verifier.gguf');
let dir: string;
let childFile: string;
let options: ModelProbeOptions;
const path = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'specedit-probe-'));
  childFile = await compileWorker('verifier/model-probe-child.ts');
  options = { gpu: false, threads: 1, childFile };
  const verifier = readFileSync(VERIFIER);
  writeFileSync(path('i32-norm.gguf'), patchGguf(verifier, { tensorTypes: { 'blk.0.attn_norm.weight': GGML_TYPE.I32 } }));
  writeFileSync(path('zero-heads.gguf'), patchGguf(verifier, { metadata: { 'llama.attention.head_count': 0 } }));
  for (const name of ['good.gguf', 'good-cached.gguf', 'slow.gguf']) copyFileSync(VERIFIER, path(name));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ModelFileError);
  return (error as ModelFileError).message;
}

const ABORT = /^llama\.cpp aborted \(SIGABRT\) on .*\/i32-norm\.gguf, loaded first in a separate process so the server keeps running: .*ggml\/src\/ggml-cpu\/binary-ops\.cpp:\d+: binary_op: unsupported types: .*; the file is corrupt or not supported by this version of llama\.cpp: re-download or re-export it$/;

describe('probeModelFile', () => {
  test('a file llama.cpp aborts on, past the metadata checks, is an error naming it; this process lives and loads a good model', async () => {
    await expect(checkGgufFile(path('i32-norm.gguf'))).resolves.toBeUndefined();
    expect(await rejection(probeModelFile(path('i32-norm.gguf'), options))).toMatch(ABORT);
    const model = await LlamaTargetModel.load({ modelPath: VERIFIER, threads: 1, contextSize: 256, sequences: 1, gpu: false });
    expect(model.tokenize('return a;').length).toBeGreaterThan(0);
    await model.dispose();
  });

  test('a good file passes; the pass is remembered (no child: a missing child module would fail)', async () => {
    const pass = await probeModelFile(path('good.gguf'), options);
    expect(pass.tokensPerSecond).toBeGreaterThan(0); // the child's timed greedy steps
    await expect(probeModelFile(path('good.gguf'), { ...options, childFile: path('no-child.js') })).resolves.toEqual(pass);
  });

  test('a failure is remembered for the unchanged file; a changed file (new mtime) is tested again', async () => {
    const noChild = { ...options, childFile: path('no-child.js') };
    expect(await rejection(probeModelFile(path('i32-norm.gguf'), noChild))).toMatch(ABORT);
    const later = new Date(Date.now() + 60_000);
    utimesSync(path('i32-norm.gguf'), later, later);
    expect(await rejection(probeModelFile(path('i32-norm.gguf'), noChild))).toMatch(/i32-norm\.gguf could not be tested before loading: the model probe module .*no-child\.js is missing; build the project/);
    // A missing probe module is not the file's fault: the next try tests it again.
    expect(await rejection(probeModelFile(path('i32-norm.gguf'), options))).toMatch(ABORT);
  });

  test('a load error in the child is the load error the server would give', async () => {
    expect(await rejection(probeModelFile(path('zero-heads.gguf'), options))).toMatch(/zero-heads\.gguf is a corrupt GGUF model: llama\.attention\.head_count is 0; re-download or re-export it\.$/);
  });

  test('a child past the time limit is killed and the file refused', async () => {
    expect(await rejection(probeModelFile(path('slow.gguf'), { ...options, timeoutMs: 50 }))).toBe(
      `loading ${path('slow.gguf')} in a separate test process did not finish within 0.05 s; the file is corrupt or too large for this machine`,
    );
  });

  test('a pass is kept in the cache file: another process trusts it without a child', async () => {
    const cacheFile = path('data/model-probes.json');
    await probeModelFile(path('good-cached.gguf'), { ...options, cacheFile });
    expect(Object.keys(JSON.parse(readFileSync(cacheFile, 'utf8')).passed)).toEqual([expect.stringContaining(path('good-cached.gguf'))]);
    // The compiled probe (compileWorker built it beside the child) in a fresh Node process, whose child module is missing.
    const compiled = pathToFileURL(join(childFile, '..', 'model-probe.js')).href;
    const script = `import(${JSON.stringify(compiled)}).then((m) => m.probeModelFile(process.argv[1], JSON.parse(process.argv[2])))`;
    const run = (file: string) => execFileSync(process.execPath, ['-e', script, file, JSON.stringify({ gpu: false, threads: 1, childFile: path('no-child.js'), cacheFile })], { encoding: 'utf8', stdio: 'pipe' });
    expect(() => run(path('good-cached.gguf'))).not.toThrow();
    expect(() => run(path('good.gguf'))).toThrow(/the model probe module .*no-child\.js is missing/);
  });

  test("llama.cpp's lines are quoted without Node's stack or the build machine's paths", () => {
    const stderr = [
      '[llama.cpp] warn: llama_context: n_ctx_seq (256) < n_ctx_train (2048)',
      '/home/runner/work/node-llama-cpp/node-llama-cpp/llama/llama.cpp/src/llama-model-loader.cpp:1321: GGML_ASSERT(t_meta.ne[dim] >= 1) failed',
      '',
      '    at LlamaModel._create (file:///x.js:617:23)',
      'Node.js v20.20.2',
    ].join('\n');
    expect(llamaLines(stderr)).toBe('src/llama-model-loader.cpp:1321: GGML_ASSERT(t_meta.ne[dim] >= 1) failed');
  });
});
