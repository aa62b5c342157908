/**
 * Stage 7, evaluation: node dist/training-tools/training/eval-models.js  (make eval-models) -> models/eval.json
 *
 * On training/eval-set.jsonl: held-out functions (packages the models never saw, 350-1400 chars,
 * ~100-400 tokens) with oracle edits made by gen-edits.ts.
 *   renameExact           greedy reproduction of the function with the rename applied, exact
 *   oracleMatch[kind]     the same for each edit kind
 *   acceptanceByVerifier  drafters: of the tokens of the drafter's own greedy candidate, the share the
 *                         verifier's greedy decode agrees with (teacher forcing on the candidate);
 *                         acceptedPrefix: the share before the first disagreement
 *   tokensPerSecond       plain greedy decode in llama.cpp, threads 1, F32 KV, one token per call
 *   verifyCallMs          median ms of one call on 1 and on 16 tokens after 380 tokens of context;
 *                         ceilingK16 = 16 x t(1) / t(16): the most exact speculation with K = 16 can gain
 * "Exact" is measured by teacher forcing in llama.cpp: a greedy decode reproduces the target iff the
 * model's argmax equals the target token at every position; spot checks with real greedy decodes
 * (exactSpotCheck) confirm it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, type LlamaContext, type LlamaModel, type Token } from 'node-llama-cpp';
import { END_MARKER, parseCompletion } from '../protocol/prompt-format.js';
import { llamaLogger } from '../verifier/llama-log.js';

// Compiled to dist/training-tools/training/ (inside the repository, so node_modules resolves even when training/work is a symlink).
const ROOT = join(import.meta.dirname, '..', '..', '..');
const LIMIT = Number(process.env.SPECEDIT_EVAL_LIMIT ?? 1000);

interface Example { kind: string; prompt: string; completion: string; edited: string }
interface Entry { name: string; role: 'verifier' | 'drafter'; file: string }

const examples: Example[] = readFileSync(join(ROOT, 'training', 'eval-set.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Example).slice(0, LIMIT);
const manifest = JSON.parse(readFileSync(join(ROOT, 'models', 'manifest.json'), 'utf8')) as { models: Entry[] };

class Runner {
  private constructor(readonly model: LlamaModel, readonly context: LlamaContext) {}
  static async load(llama: Awaited<ReturnType<typeof getLlama>>, file: string): Promise<Runner> {
    const model = await llama.loadModel({ modelPath: join(ROOT, file), gpuLayers: 0 });
    const context = await model.createContext({ threads: 1, contextSize: 2048, batchSize: 2048, flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' });
    return new Runner(model, context);
  }
  prompt(text: string): Token[] {
    return [this.model.tokens.bos!, ...this.model.tokenize(text, false)];
  }
  /** The greedy token after each position of prompt + target, from the target's first token on. */
  async teacherForced(prompt: Token[], target: Token[]): Promise<Token[]> {
    const seq = this.context.getSequence();
    try {
      const all = [...prompt, ...target];
      const items = all.map((t, i) => (i >= prompt.length - 1 && i < all.length - 1 ? [t, { generateNext: { token: true } }] as [Token, { generateNext: { token: true } }] : t));
      const out = await seq.controlledEvaluate(items);
      return out.slice(prompt.length - 1, all.length - 1).map((o) => o!.next!.token!);
    } finally {
      await seq.dispose();
    }
  }
  /** Plain greedy decoding, one token per call, until END_MARKER, EOS or max tokens. */
  async greedy(prompt: Token[], max: number): Promise<{ tokens: Token[]; seconds: number }> {
    const seq = this.context.getSequence();
    try {
      const first = await seq.controlledEvaluate(prompt.map((t, i) => (i === prompt.length - 1 ? [t, { generateNext: { token: true } }] as [Token, { generateNext: { token: true } }] : t)));
      let next = first[prompt.length - 1]!.next!.token! as Token;
      const tokens: Token[] = [];
      const t1 = performance.now();
      while (tokens.length < max && !this.model.isEogToken(next)) {
        tokens.push(next);
        if (this.model.detokenize(tokens.slice(-6), false).includes(END_MARKER)) break;
        const [r] = await seq.controlledEvaluate([[next, { generateNext: { token: true } }]]);
        next = r!.next!.token! as Token;
      }
      return { tokens, seconds: (performance.now() - t1) / 1000 };
    } finally {
      await seq.dispose();
    }
  }
  /** Median ms of one verifier call on K tokens after a ~380-token prompt (the cost that bounds speculation). */
  async batchCost(prompt: Token[], k: number, calls = 25): Promise<number> {
    const seq = this.context.getSequence();
    try {
      await seq.controlledEvaluate(prompt.slice(0, 380));
      const times: number[] = [];
      const extra = prompt.slice(0, k);
      for (let c = 0; c < calls; c++) {
        const start = seq.nextTokenIndex;
        const t0 = performance.now();
        await seq.controlledEvaluate(extra.map((t) => [t, { generateNext: { token: true } }] as [Token, { generateNext: { token: true } }]));
        times.push(performance.now() - t0);
        await seq.eraseContextTokenRanges([{ start, end: seq.nextTokenIndex }]);
      }
      times.sort((a, b) => a - b);
      return times[Math.floor(times.length / 2)];
    } finally {
      await seq.dispose();
    }
  }
  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }
}

const same = (a: readonly Token[], b: readonly Token[]) => a.length === b.length && a.every((t, i) => t === b[i]);
const round = (x: number) => Math.round(x * 1000) / 1000;

async function main(): Promise<void> {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.warn, logger: llamaLogger });
  const verifierEntry = manifest.models.find((m) => m.role === 'verifier')!;
  const verifier = await Runner.load(llama, verifierEntry.file);
  const result: Record<string, Record<string, unknown>> = {};
  for (const entry of manifest.models) {
    const r = entry === verifierEntry ? verifier : await Runner.load(llama, entry.file);
    const byKind: Record<string, [number, number]> = {};
    const tokenAcc: Record<string, [number, number]> = {};
    let drafted = 0, agreed = 0, prefix = 0, spotOk = 0, spotN = 0, decoded = 0, seconds = 0;
    for (const [i, ex] of examples.entries()) {
      const prompt = r.prompt(ex.prompt);
      const target = r.model.tokenize(ex.completion, false) as Token[];
      const pred = await r.teacherForced(prompt, target);
      const ok = same(pred, target);
      const k = (byKind[ex.kind] ??= [0, 0]);
      k[0] += ok ? 1 : 0; k[1]++;
      const a = (tokenAcc[ex.kind] ??= [0, 0]);
      a[0] += pred.filter((t, j) => t === target[j]).length; a[1] += target.length;
      if (entry.role === 'drafter' || i % 8 === 0) {
        // A real greedy decode: the drafter's candidate (scored by the verifier) and the speed.
        const g = await r.greedy(prompt, target.length + 8);
        decoded += g.tokens.length; seconds += g.seconds;
        if (i % 8 === 0) { spotN++; if (parseCompletion(r.model.detokenize(g.tokens, false)).text === ex.edited === ok) spotOk++; }
        if (entry.role === 'drafter' && g.tokens.length > 0) {
          const vPrompt = verifier.prompt(ex.prompt);
          const cand = verifier.model.tokenize(r.model.detokenize(g.tokens, false), false) as Token[];
          const v = await verifier.teacherForced(vPrompt, cand);
          drafted += cand.length;
          agreed += v.filter((t, j) => t === cand[j]).length;
          const firstBad = v.findIndex((t, j) => t !== cand[j]);
          prefix += firstBad < 0 ? cand.length : firstBad;
        }
      }
    }
    const oracleMatch = Object.fromEntries(Object.entries(byKind).map(([kind, [o, n]]) => [kind, round(o / n)]));
    result[entry.name] = {
      role: entry.role,
      renameExact: oracleMatch.rename ?? 0,
      ...(entry.role === 'drafter' ? { acceptanceByVerifier: round(agreed / Math.max(1, drafted)), acceptedPrefix: round(prefix / Math.max(1, drafted)) } : {}),
      oracleMatch,
      tokenAccuracy: Object.fromEntries(Object.entries(tokenAcc).map(([kind, [o, n]]) => [kind, round(o / n)])),
      tokensPerSecond: Math.round(decoded / Math.max(1e-9, seconds)),
      exactSpotCheck: `${spotOk}/${spotN} greedy decodes agree with the teacher-forced verdict`,
      examples: Object.fromEntries(Object.entries(byKind).map(([kind, [, n]]) => [kind, n])),
    };
    const long = r.prompt(examples.map((e) => e.prompt).join('\n'));
    const t1 = await r.batchCost(long, 1);
    const t16 = await r.batchCost(long, 16);
    result[entry.name].verifyCallMs = { k1: round(t1), k16: round(t16), ceilingK16: round((16 * t1) / t16) };
    process.stderr.write(`${entry.name}: ${JSON.stringify(result[entry.name])}\n`);
    if (r !== verifier) await r.dispose();
  }
  await verifier.dispose();
  writeFileSync(join(ROOT, 'models', 'eval.json'), JSON.stringify({ evalSet: 'training/eval-set.jsonl', models: result }, null, 1) + '\n');
}

await main();
