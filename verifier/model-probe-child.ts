/**
 * The child process of model-probe.ts: loads one model file as the server
 * would (same checks, GPU setting, threads and KV cache type; a small
 * context), evaluates a short prompt with a greedy token at every position,
 * times a few greedy steps (the model's plain decoding speed on this
 * machine), answers over IPC and exits. A native abort kills only this process; the
 * parent reads it from the exit signal and this process's stderr, where
 * llama.cpp's log lines go (llama-log.ts's default sink).
 */
import { LlamaTargetModel } from './llama-target-model.js';
import type { ProbeReply, ProbeRequest } from './model-probe.js';

const PROBE_TEXT = 'function add(a: number, b: number): number {\n  return a + b;\n}\n';
const MAX_TOKENS = 48;
/** The timed greedy steps after the prompt: this many, or as many as fit in TIMED_MS (a big model on one thread). */
const TIMED_STEPS = 16;
const TIMED_MS = 3_000;

async function probe(request: ProbeRequest): Promise<ProbeReply> {
  try {
    const model = await LlamaTargetModel.load({ ...request, contextSize: 256, batchSize: 64, sequences: 1 });
    try {
      const sequence = model.openSequence();
      const tokens = [...(model.bosToken === null ? [] : [model.bosToken]), ...model.tokenize(PROBE_TEXT)].slice(0, MAX_TOKENS);
      const predicted = await sequence.evaluate(tokens.length > 0 ? tokens : [0], 'all');
      const tokensPerSecond = await timedDecode(sequence, predicted.at(-1)!);
      await sequence.dispose();
      return { ok: true, tokensPerSecond };
    } finally {
      await model.dispose();
    }
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Plain greedy decoding speed, one token per call as the verifier's baseline
 * decodes: what the drafter admission rule compares (engine/model-loader.ts).
 * The first step is not timed (it pays for warming up).
 */
async function timedDecode(sequence: ReturnType<LlamaTargetModel['openSequence']>, first: number): Promise<number> {
  let [next] = await sequence.evaluate([first]);
  const started = performance.now();
  let steps = 0;
  while (steps < TIMED_STEPS && (steps < 2 || performance.now() - started < TIMED_MS)) {
    [next] = await sequence.evaluate([next]);
    steps++;
  }
  return (steps * 1000) / (performance.now() - started);
}

// A parent that is gone (the server stopped) wants no answer: do not load on for nobody.
process.on('disconnect', () => process.exit(1));
const reply = await probe(JSON.parse(process.argv[2]) as ProbeRequest);
process.send!(reply, () => process.exit(reply.ok ? 0 : 1));
