/**
 * Checks on the shipped model files (models/manifest.json) and on the training pipeline's
 * agreement with llama.cpp, with fixtures the pipeline wrote (training/fixtures.py), so no Python
 * is needed here:
 *   - the manifest lists a verifier and >= 2 drafters, sha256 and sizes match, total < 50 MB, and each
 *     passes the server's checks of model files (verifier/model-resolver.ts checkGgufFile);
 *   - llama.cpp tokenizes an edge-case sample (tabs, CRLF, emoji, CJK, BOM, U+2028) into exactly
 *     the trainer's ids with every shipped model, and detokenizes it back byte for byte;
 *   - llama.cpp's log-probs equal the trainer's (F32 weights, flash attention off, F32 KV cache:
 *     max |delta log-prob| < 1e-3) on a tiny random model and on the shipped verifier.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel, type Token } from 'node-llama-cpp';
import { llamaLogger } from '../../verifier/llama-log.js';
import { checkGgufFile } from '../../verifier/model-resolver.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(import.meta.dirname, 'fixtures');

interface ManifestEntry {
  name: string;
  role: 'verifier' | 'drafter';
  file: string;
  kinds: string[];
  parameters: number;
  tokensTrained: number;
  eval: Record<string, unknown>;
  sha256: string;
  made: { command: string; commit: string };
}
interface LogprobFixture {
  text: string;
  tokens: number[];
  positions: { top: [number, number][]; next: [number, number] }[];
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'models', 'manifest.json'), 'utf8')) as { models: ManifestEntry[] };
const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;

let llama: Llama;
const loaded = new Map<string, LlamaModel>();
async function model(path: string): Promise<LlamaModel> {
  let m = loaded.get(path);
  if (!m) {
    m = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
    loaded.set(path, m);
  }
  return m;
}

beforeAll(async () => {
  llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.warn, logger: llamaLogger });
});
afterAll(async () => {
  for (const m of loaded.values()) await m.dispose();
});

/** llama.cpp's log-probs at every position of the fixture vs the trainer's: top-8 and the actual next token. */
async function maxLogprobDelta(path: string, fx: LogprobFixture): Promise<{ delta: number; argmaxAgree: number }> {
  const m = await model(path);
  const context = await m.createContext({
    threads: 1, contextSize: 512, flashAttention: false,
    experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32',
  });
  try {
    const input = fx.tokens.slice(0, -1).map((t) => [t as Token, { generateNext: { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } } }] as [Token, { generateNext: { probabilities: true; options: { temperature: number; topK: number; topP: number; minP: number } } }]);
    const out = await context.getSequence().controlledEvaluate(input);
    let delta = 0;
    let agree = 0;
    out.forEach((o, i) => {
      const probs = o!.next!.probabilities!;
      const row = fx.positions[i];
      for (const [id, lp] of [...row.top, row.next]) delta = Math.max(delta, Math.abs(Math.log(probs.get(id as Token) ?? 0) - lp));
      if (probs.keys().next().value === row.top[0][0]) agree++;
    });
    return { delta, argmaxAgree: agree / out.length };
  } finally {
    await context.dispose();
  }
}

describe('models/manifest.json', () => {
  test('a verifier and at least two drafters, the verifier clearly larger, under 50 MB in all', () => {
    const verifiers = manifest.models.filter((m) => m.role === 'verifier');
    const drafters = manifest.models.filter((m) => m.role === 'drafter');
    expect(verifiers).toHaveLength(1);
    expect(drafters.length).toBeGreaterThanOrEqual(2);
    for (const d of drafters) expect(verifiers[0].parameters).toBeGreaterThan(1.5 * d.parameters);
    const total = manifest.models.reduce((s, m) => s + statSync(join(ROOT, m.file)).size, 0);
    expect(total).toBeLessThan(50 * 1024 * 1024);
  });

  test.each(manifest.models.map((m) => [m.name, m] as const))('%s: sha256 and fields', async (_name, m) => {
    const digest = createHash('sha256').update(readFileSync(join(ROOT, m.file))).digest('hex');
    expect(digest).toBe(m.sha256);
    expect(m.kinds.length).toBeGreaterThan(0);
    expect(m.tokensTrained).toBeGreaterThan(0);
    expect(m.made.command).toMatch(/\S/);
    // The server's checks of untrusted model files (missing keys, values llama.cpp asserts on) accept what we ship.
    await expect(checkGgufFile(join(ROOT, m.file))).resolves.toBeUndefined();
  });
});

describe('tokenizer: llama.cpp equals the trainer', () => {
  const sample = fixture<{ text: string; ids: number[] }>('tokenizer-sample.json');
  const files = [join(FIXTURES, 'tiny.gguf'), ...manifest.models.map((m) => join(ROOT, m.file))];

  test.each(files.map((f) => [f.slice(ROOT.length + 1)]))('%s: same ids, byte-exact round trip', async (rel) => {
    const m = await model(join(ROOT, rel));
    const ids = m.tokenize(sample.text, false);
    expect(Array.from(ids)).toEqual(sample.ids);
    expect(m.detokenize(ids, false)).toBe(sample.text);
    expect(m.tokens.shouldPrependBosToken).toBe(true);
    expect(m.tokens.bos).toBe(m.tokens.eos);
  });
});

describe('logits: llama.cpp equals the trainer (F32, flash attention off, F32 KV)', () => {
  const cases: [string, string, string][] = [['tiny random model', 'tests/models/fixtures/tiny.gguf', 'tiny-logprobs.json']];
  const verifier = manifest.models.find((m) => m.role === 'verifier');
  if (verifier && existsSync(join(FIXTURES, `${verifier.name}-logprobs.json`))) cases.push([verifier.name, verifier.file, `${verifier.name}-logprobs.json`]);

  test.each(cases)('%s', async (_name, file, fx) => {
    const { delta, argmaxAgree } = await maxLogprobDelta(join(ROOT, file), fixture<LogprobFixture>(fx));
    expect(delta).toBeLessThan(1e-3);
    expect(argmaxAgree).toBe(1);
  });
});
