/**
 * A piscina worker running one drafter model: it writes a whole candidate edit
 * by plain greedy decoding, prompted in the model's own format (a model with
 * a chat template in its file is asked in its chat format, the others get
 * the marker prompt). The model starts loading when the worker starts;
 * a load error is answered by every task (the drafter is off, the server is
 * not). Cancellation is cooperative through a shared flag, because aborting a
 * running piscina task terminates the worker and its loaded model.
 */
import { workerData } from 'node:worker_threads';
import { LlamaTargetModel } from '../verifier/llama-target-model.js';
import { plainGreedyDecode } from '../verifier/plain-greedy-decode.js';
import type { TargetSequence } from '../verifier/target-model.js';
import type { StopReason } from '../verifier/output-buffer.js';
import { modelPrompt, promptFormatFor, type EditPromptInput } from '../verifier/model-prompt.js';

export interface DrafterWorkerData {
  name: string;
  modelPath: string;
  threads: number;
  contextSize: number;
  gpu: 'auto' | false;
}

/** `settle` waits until the model has loaded or failed: a worker is only safe to terminate outside native calls. */
export type DrafterWorkerTask = DraftTask | { kind: 'settle' };

export interface DraftTask {
  kind: 'draft';
  prompt: string;
  maxTokens: number;
  stop: string[];
  /** The edit, for a model prompted in its chat format. */
  edit?: EditPromptInput;
  /** Int32 flag: set to 1 by the pool to cancel this task. */
  cancel: SharedArrayBuffer;
}

export type DrafterWorkerResult =
  | { status: 'ok'; text: string; tokens: number; stopReason: StopReason; ms: number; edited?: string }
  | { status: 'cancelled' }
  | { status: 'settled' }
  /** The model failed to load: every draft of this worker answers this. */
  | { status: 'unloaded'; reason: string };

const CANCEL_POLL_MS = 5;

const spec = workerData as DrafterWorkerData;
const loading = LlamaTargetModel.load({ modelPath: spec.modelPath, threads: spec.threads, contextSize: spec.contextSize, sequences: 1, gpu: spec.gpu });
loading.catch(() => undefined); // reported by the tasks that need the model
let sequence: TargetSequence | null = null;

/** A signal that fires when the pool sets the task's flag; polled because the flag is plain shared memory. */
function flagSignal(cancel: SharedArrayBuffer): { signal: AbortSignal; stop: () => void } {
  const flag = new Int32Array(cancel);
  const controller = new AbortController();
  const check = () => {
    if (Atomics.load(flag, 0) !== 0) controller.abort();
  };
  check();
  const timer = setInterval(check, CANCEL_POLL_MS);
  return { signal: controller.signal, stop: () => clearInterval(timer) };
}

export default async function run(task: DrafterWorkerTask): Promise<DrafterWorkerResult> {
  if (task.kind === 'settle') {
    await loading.catch(() => undefined);
    return { status: 'settled' };
  }
  return draft(task);
}

async function draft(task: DraftTask): Promise<DrafterWorkerResult> {
  const model = await loading.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  if (model instanceof Error) return { status: 'unloaded', reason: model.message };
  sequence ??= model.openSequence(); // kept between tasks: the next prompt reuses the cached prefix
  const { signal, stop } = flagSignal(task.cancel);
  try {
    const chat = task.edit && promptFormatFor(model) === 'chat' ? modelPrompt(model, 'chat', task.edit) : undefined;
    const request = chat ? { prompt: chat.prompt, stop: chat.stop } : { prompt: task.prompt, stop: task.stop };
    const outcome = await plainGreedyDecode(model, sequence, { ...request, maxOutputTokens: task.maxTokens, signal });
    if (outcome.status === 'cancelled') return { status: 'cancelled' };
    if (outcome.status === 'unavailable') throw new Error(`drafter ${spec.name}: ${outcome.reason}`);
    const { text, stats, stopReason } = outcome.result;
    return { status: 'ok', text, tokens: stats.outputTokens, stopReason, ms: stats.wallMs, ...(chat ? { edited: chat.edited(text) } : {}) };
  } finally {
    stop();
  }
}
