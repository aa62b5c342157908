/**
 * Small drafter models in worker threads (DESIGN.md layer 2): one piscina pool
 * of exactly one long-lived worker per drafter model, so every model is loaded
 * once and drafters run in parallel with each other and with the verifier.
 *
 * Invariant: a running task is never aborted through piscina (that terminates
 * the worker and drops its loaded model); cancellation sets a shared flag the
 * worker polls. A crashed worker is replaced (piscina keeps minThreads; a pool
 * whose worker failed to start is rebuilt).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { StopReason } from '../verifier/output-buffer.js';
import type { EditPromptInput } from '../verifier/model-prompt.js';
import type { DrafterWorkerData, DrafterWorkerResult, DrafterWorkerTask } from './model-drafter-worker.js';

export interface ModelDrafterSpec {
  name: string;
  /** A local GGUF file (resolve `hf:` URIs first with verifier/model-resolver.ts). */
  modelPath: string;
  threads?: number;
  contextSize?: number;
  gpu?: 'auto' | false;
}

export interface ModelDraftRequest {
  /** The prompt in the marker format (specedit's trained drafters). */
  prompt: string;
  maxTokens: number;
  /** Stop strings of the marker prompt. */
  stop?: readonly string[];
  /** The edit itself: a drafter whose model has a chat template is asked in its own chat format (verifier/model-prompt.ts). */
  edit?: EditPromptInput;
}

export type ModelDraftOutcome =
  /** `edited`: the scope text read from a chat answer (absent for the marker format: `text` is the completion). */
  | { status: 'ok'; text: string; tokens: number; stopReason: StopReason; ms: number; edited?: string }
  | { status: 'cancelled' }
  | { status: 'failed'; reason: string };

export interface ModelDrafterPoolOptions {
  /** The compiled worker module; defaults to model-drafter-worker.js next to this file. */
  workerFile?: string | URL;
  /** Told once per drafter and reason when its model does not load or its worker does not start (each draft fails then). */
  logger?: { warn(message: string): void };
}

function defaultWorkerFile(): string {
  return fileURLToPath(new URL('./model-drafter-worker.js', import.meta.url));
}

export class ModelDrafterPool {
  private readonly pools = new Map<string, Piscina<DrafterWorkerTask, DrafterWorkerResult>>();
  private readonly specs = new Map<string, ModelDrafterSpec>();
  private readonly workerFile: string;
  /** Cancel flags of running tasks: close() must stop them first, since terminating a worker inside a native llama.cpp call aborts the whole process. */
  private readonly running = new Set<Int32Array>();
  /** Why a drafter's worker last failed to start, for the failed outcome. */
  private readonly startErrors = new Map<string, string>();
  /** Failure reasons already logged, per drafter: every request of a broken drafter fails the same way. */
  private readonly warned = new Map<string, Set<string>>();
  private readonly logger: ModelDrafterPoolOptions['logger'];
  private closed = false;

  constructor(specs: readonly ModelDrafterSpec[], options: ModelDrafterPoolOptions = {}) {
    const file = options.workerFile ?? defaultWorkerFile();
    this.workerFile = file instanceof URL ? fileURLToPath(file) : file;
    this.logger = options.logger;
    if (!existsSync(this.workerFile)) throw new Error(`drafter worker module not found: ${this.workerFile}; build the project (npm run build)`);
    for (const spec of specs) {
      if (this.specs.has(spec.name)) throw new Error(`two drafter models are named "${spec.name}"`);
      this.specs.set(spec.name, spec);
      this.pools.set(spec.name, this.startPool(spec));
    }
  }

  get names(): string[] {
    return [...this.specs.keys()];
  }

  /** Writes a candidate with drafter `name`; failures (missing model, crashed worker) are values. */
  async draft(name: string, request: ModelDraftRequest, signal?: AbortSignal): Promise<ModelDraftOutcome> {
    const pool = this.pools.get(name);
    if (!pool || this.closed) return { status: 'failed', reason: `no drafter model named "${name}"` };
    if (signal?.aborted) return { status: 'cancelled' };
    const cancel = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancel);
    const onAbort = () => Atomics.store(flag, 0, 1);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.running.add(flag);
    try {
      const result = await pool.run({ kind: 'draft', prompt: request.prompt, maxTokens: request.maxTokens, stop: [...(request.stop ?? [])], edit: request.edit, cancel });
      if (result.status === 'settled') throw new Error('the worker answered a draft with "settled"');
      if (result.status === 'unloaded') return this.failed(name, `its model could not be loaded: ${result.reason}`, true);
      return result;
    } catch (error) {
      this.replaceIfDead(name, pool);
      const startError = this.startErrors.get(name);
      return this.failed(name, startError ?? (error as Error).message, startError !== undefined);
    } finally {
      this.running.delete(flag);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** A failed outcome; a drafter that cannot work at all (`broken`: no model, no worker) is also logged, once per reason. */
  private failed(name: string, why: string, broken: boolean): ModelDraftOutcome {
    const reason = `drafter "${name}" failed: ${why}`;
    const warned = this.warned.get(name) ?? new Set<string>();
    this.warned.set(name, warned);
    if (broken && !warned.has(why)) this.logger?.warn(reason);
    if (broken) warned.add(why);
    return { status: 'failed', reason };
  }

  /** The live worker threads of drafter `name` (diagnostics and tests). */
  workers(name: string): Worker[] {
    return this.pools.get(name)?.threads ?? [];
  }

  /**
   * Cancels running drafts and waits until every worker is outside native
   * code (drafts stopped, model loads finished), then stops the workers.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.running.forEach((flag) => Atomics.store(flag, 0, 1));
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.run({ kind: 'settle' }).catch(() => undefined)));
    await Promise.all(pools.map((p) => p.close({ force: true })));
  }

  private startPool(spec: ModelDrafterSpec): Piscina<DrafterWorkerTask, DrafterWorkerResult> {
    const workerData: DrafterWorkerData = {
      name: spec.name,
      modelPath: spec.modelPath,
      threads: spec.threads ?? 1,
      contextSize: spec.contextSize ?? 2048,
      gpu: spec.gpu ?? 'auto',
    };
    const pool = new Piscina<DrafterWorkerTask, DrafterWorkerResult>({
      filename: this.workerFile,
      name: 'default',
      workerData,
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: Infinity,
      // The worker's event loop must stay free: node-llama-cpp is asynchronous and the cancel flag is polled by a timer.
      atomics: 'disabled',
    });
    // Without a listener, a worker that fails to start would throw in the server's main thread.
    pool.on('error', (error: Error) => this.onStartFailure(spec.name, pool, error));
    return pool;
  }

  /** A worker died outside a task; if none is left (it failed to start), queued drafts are failed instead of waiting forever. */
  private onStartFailure(name: string, pool: Piscina<DrafterWorkerTask, DrafterWorkerResult>, error: Error): void {
    if (pool.threads.length > 0) return;
    this.startErrors.set(name, `its worker could not start: ${error.message}`);
    void pool.destroy(); // no worker is left, so nothing native is interrupted
  }

  /**
   * piscina replaces a worker that dies after starting, but gives up on one
   * that dies while starting; then the pool is rebuilt for the next task.
   */
  private replaceIfDead(name: string, pool: Piscina<DrafterWorkerTask, DrafterWorkerResult>): void {
    if (this.closed || this.pools.get(name) !== pool || pool.threads.length > 0) return;
    void pool.destroy();
    this.pools.set(name, this.startPool(this.specs.get(name)!));
  }
}
