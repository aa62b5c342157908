/** Model references become checked local files; every failure names the file and what to do. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LlamaTargetModel } from '../../verifier/llama-target-model.js';
import { ModelFileError, resolveModelReference } from '../../verifier/model-resolver.js';
import { llamaLogger, loadErrorReason, setLlamaLogSink, withLlamaErrors } from '../../verifier/llama-log.js';
import { LlamaLogLevel } from 'node-llama-cpp';
import { jest } from '@jest/globals';
import { tinyLlamaGguf } from '../helpers/gguf/tiny-llama.js';
import { patchGguf } from '../helpers/gguf/gguf-patch.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'specedit-resolver-'));
  writeFileSync(join(dir, 'tiny.gguf'), tinyLlamaGguf());
  writeFileSync(join(dir, 'random.gguf'), Buffer.from('this is not a model at all, just some bytes'));
  writeFileSync(join(dir, 'no-heads.gguf'), tinyLlamaGguf({ omitKeys: ['llama.attention.head_count', 'llama.feed_forward_length'] }));
  const whole = tinyLlamaGguf();
  writeFileSync(join(dir, 'truncated.gguf'), whole.subarray(0, whole.length - 4096));
  // Values llama.cpp aborts the process on (GGML_ASSERT), or builds a tensor shape of 0 from.
  const patched = (metadata: Record<string, number>) => patchGguf(whole, { metadata });
  writeFileSync(join(dir, 'zero-heads.gguf'), patched({ 'llama.attention.head_count': 0 }));
  writeFileSync(join(dir, 'zero-kv-heads.gguf'), patched({ 'llama.attention.head_count_kv': 0 }));
  writeFileSync(join(dir, 'odd-kv-heads.gguf'), patched({ 'llama.attention.head_count_kv': 3 }));
  writeFileSync(join(dir, 'odd-heads.gguf'), patched({ 'llama.attention.head_count': 3, 'llama.attention.head_count_kv': 3 }));
  writeFileSync(join(dir, 'zero-blocks.gguf'), patched({ 'llama.block_count': 0 }));
  writeFileSync(join(dir, 'many-blocks.gguf'), patched({ 'llama.block_count': 600 }));
  writeFileSync(join(dir, 'zero-ffn.gguf'), patched({ 'llama.feed_forward_length': 0, 'llama.context_length': 0 }));
  writeFileSync(join(dir, 'empty-vocab.gguf'), tinyLlamaGguf({ setKeys: { 'tokenizer.ggml.tokens': { type: 'string[]', value: [] } } }));
  const experts = (used: number) => ({ 'llama.expert_count': { type: 'u32', value: 2 }, 'llama.expert_used_count': { type: 'u32', value: used } }) as const;
  writeFileSync(join(dir, 'experts.gguf'), tinyLlamaGguf({ setKeys: experts(4) }));
  writeFileSync(join(dir, 'no-experts-used.gguf'), tinyLlamaGguf({ setKeys: experts(0) }));
  mkdirSync(join(dir, 'folder.gguf'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<ModelFileError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelFileError);
  return error as ModelFileError;
}

describe('resolveModelReference', () => {
  test('a valid GGUF path, relative to the base directory, resolves to its absolute path', async () => {
    expect(await resolveModelReference('tiny.gguf', { baseDir: dir })).toBe(join(dir, 'tiny.gguf'));
  });

  test.each([
    ['missing file', 'nope.gguf', /model file not found: .*nope\.gguf.*hf:.*allowDownload/],
    ['a directory', 'folder.gguf', /folder\.gguf \(it is a directory\)/],
    ['not a GGUF file', 'random.gguf', /random\.gguf is not a readable GGUF model/],
    ['keys that would abort llama.cpp', 'no-heads.gguf', /no-heads\.gguf is an incomplete GGUF model: missing llama\.feed_forward_length, llama\.attention\.head_count/],
    ['no attention heads', 'zero-heads.gguf', /zero-heads\.gguf is a corrupt GGUF model: llama\.attention\.head_count is 0; re-download or re-export it\.$/],
    ['no key/value heads', 'zero-kv-heads.gguf', /: llama\.attention\.head_count_kv is 0;/],
    ['heads not a multiple of the key/value heads', 'odd-kv-heads.gguf', /: llama\.attention\.head_count \(4\) is not a multiple of llama\.attention\.head_count_kv \(3\);/],
    ['embedding not a multiple of the heads', 'odd-heads.gguf', /: llama\.embedding_length \(64\) is not a multiple of llama\.attention\.head_count \(3\);/],
    ['no blocks', 'zero-blocks.gguf', /: llama\.block_count is 0, outside 1 to 512;/],
    ['more blocks than llama.cpp allows', 'many-blocks.gguf', /: llama\.block_count is 600, outside 1 to 512;/],
    ['every problem is named', 'zero-ffn.gguf', /: llama\.context_length is 0; llama\.feed_forward_length is 0;/],
    ['an empty vocabulary', 'empty-vocab.gguf', /: tokenizer\.ggml\.tokens \(the vocabulary\) is empty;/],
    ['more experts used than there are', 'experts.gguf', /: llama\.expert_used_count is 4, outside 1 to llama\.expert_count \(2\);/],
    ['experts but none used', 'no-experts-used.gguf', /: llama\.expert_used_count is 0, outside 1 to llama\.expert_count \(2\);/],
  ])('%s: a clear error', async (_name, reference, message) => {
    const error = await rejection(resolveModelReference(reference, { baseDir: dir }));
    expect(error.message).toMatch(message);
    expect(error.reference).toBe(reference);
  });

  test('an hf: URI with downloads off fails fast with the command that fetches it', async () => {
    const uri = 'hf:example/missing-model-GGUF/missing-model.Q8_0.gguf';
    const started = performance.now();
    const error = await rejection(resolveModelReference(uri, { directory: join(dir, 'models'), allowDownload: false }));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(error.message).toContain(`npx --no node-llama-cpp pull --dir "${join(dir, 'models')}" ${uri}`);
    expect(error.message).toContain('"allowDownload": true');
  });
});

describe('LlamaTargetModel.load', () => {
  test.each([
    ['missing', 'nope.gguf', /model file not found: .*nope\.gguf/],
    ['incomplete (would abort the process in llama.cpp)', 'no-heads.gguf', /missing llama\.feed_forward_length/],
    // llama.cpp's own reason is quoted when its log line comes through (llama-log.ts); the binding's logger is per process.
    ['truncated tensor data', 'truncated.gguf', /llama\.cpp could not load .*truncated\.gguf: .+; re-download or re-export it/],
  ])('%s file: an error naming it, and the process survives', async (_name, file, message) => {
    const error = await rejection(LlamaTargetModel.load({ modelPath: join(dir, file), gpu: false }));
    expect(error.message).toMatch(message);
  });

  test("llama.cpp's own lines go to the configured sink, never to console; a load failure collects its error lines", async () => {
    const lines: string[] = [];
    const warn = jest.spyOn(console, 'warn');
    setLlamaLogSink((level, message) => lines.push(`${level}: ${message}`));
    try {
      llamaLogger(LlamaLogLevel.warn, 'a warning\n');
      llamaLogger(LlamaLogLevel.info, '  \n');
      const failed = await withLlamaErrors(async () => {
        llamaLogger(LlamaLogLevel.error, "llama_model_load: error loading model: tensor 'output.weight' data is not within the file bounds");
        throw new Error('Failed to load model');
      });
      // The final line arrives after the failure, as the binding delivers it.
      const late = withLlamaErrors(() => Promise.reject(new Error('Failed to load model')));
      setTimeout(() => llamaLogger(LlamaLogLevel.error, 'llama_model_load_from_file_impl: failed to load model'), 20);
      expect(failed).toMatchObject({ ok: false, lines: ["llama_model_load: error loading model: tensor 'output.weight' data is not within the file bounds"] });
      expect(loadErrorReason(failed.ok ? [] : failed.lines)).toBe("tensor 'output.weight' data is not within the file bounds");
      expect(await late).toMatchObject({ ok: false, lines: ['llama_model_load_from_file_impl: failed to load model'] });
    } finally {
      setLlamaLogSink(null);
    }
    expect(lines).toEqual([
      'warn: a warning',
      "error: llama_model_load: error loading model: tensor 'output.weight' data is not within the file bounds",
      'error: llama_model_load_from_file_impl: failed to load model',
    ]);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });
});
