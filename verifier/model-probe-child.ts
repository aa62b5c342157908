/**
 * The child process of model-probe.ts: loads one model file as the server
 * would (same checks, GPU setting, threads and KV cache type; a small
 * context), evaluates a short prompt with a greedy token at every position,
 * answers over IPC and exits. A native abort kills only this process; the
 * parent reads it from the exit signal and this process's stderr, where
 * llama.cpp's log lines go (llama-log.ts's default sink).
 */
import { LlamaTargetModel } from './llama-target-model.js';
import type { ProbeReply, ProbeRequest } from './model-probe.js';

const PROBE_TEXT = 'function add(a: number, b: number): number {\n  return a + b;\n}\n';
const MAX_TOKENS = 48;

async function probe(request: ProbeRequest): Promise<ProbeReply> {
  try {
    const model = await LlamaTargetModel.load({ ...request, contextSize: 256, batchSize: 64, sequences: 1 });
    try {
      const sequence = model.openSequence();
      const tokens = [...(model.bosToken === null ? [] : [model.bosToken]), ...model.tokenize(PROBE_TEXT)].slice(0, MAX_TOKENS);
      await sequence.evaluate(tokens.length > 0 ? tokens : [0], 'all');
      await sequence.dispose();
    } finally {
      await model.dispose();
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

// A parent that is gone (the server stopped) wants no answer: do not load on for nobody.
process.on('disconnect', () => process.exit(1));
const reply = await probe(JSON.parse(process.argv[2]) as ProbeRequest);
process.send!(reply, () => process.exit(reply.ok ? 0 : 1));
