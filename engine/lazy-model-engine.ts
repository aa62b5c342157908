/**
 * Models load on the first request that needs them, not at server start:
 * opening a file and asking for code actions never waits for llama.cpp. A
 * load that fails (a missing or corrupt model) answers that request, and each
 * later one, with the reason, and is tried again on the next request, so a
 * model built or downloaded meanwhile is picked up without a restart.
 */
import type { EditContext, EditOutcome, EditTask } from '../protocol/edit-task.js';
import type { ModelEngine } from './edit-pipeline.js';

export interface LazyLogger {
  info(message: string): void;
  warn(message: string): void;
}

type State = { kind: 'idle' } | { kind: 'loading'; promise: Promise<ModelEngine | Error> } | { kind: 'ready'; engine: ModelEngine };

export class LazyModelEngine implements ModelEngine {
  private state: State = { kind: 'idle' };
  private lastFailure: string | undefined;
  private disposed = false;

  constructor(
    private readonly load: () => Promise<ModelEngine>,
    private readonly logger: LazyLogger,
  ) {}

  /** True once the models are loaded (for logs and tests). */
  get loaded(): boolean {
    return this.state.kind === 'ready';
  }

  async computeEdit(task: EditTask, context: EditContext): Promise<EditOutcome> {
    if (this.disposed) return { status: 'unavailable', reason: 'the server is shutting down or reloading its models; try again' };
    if (this.state.kind !== 'ready') context.progress?.('loading models');
    const engine = await this.engine(context.signal);
    if (engine === 'cancelled') return { status: 'cancelled' };
    if (engine instanceof Error) return { status: 'unavailable', reason: unavailableReason(task, engine.message) };
    return engine.computeEdit(task, context);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const state = this.state;
    this.state = { kind: 'idle' };
    const engine = state.kind === 'ready' ? state.engine : state.kind === 'loading' ? await state.promise : undefined;
    if (engine && !(engine instanceof Error)) await engine.dispose();
  }

  private async engine(signal: AbortSignal): Promise<ModelEngine | Error | 'cancelled'> {
    if (this.state.kind === 'ready') return this.state.engine;
    if (this.state.kind === 'idle') this.state = { kind: 'loading', promise: this.startLoading() };
    const loading = this.state.promise;
    // A cancelled request stops waiting; the load goes on for the next one.
    const aborted = new Promise<'cancelled'>((resolve) => {
      if (signal.aborted) resolve('cancelled');
      signal.addEventListener('abort', () => resolve('cancelled'), { once: true });
    });
    return Promise.race([loading, aborted]);
  }

  private async startLoading(): Promise<ModelEngine | Error> {
    try {
      const engine = await this.load();
      if (this.disposed) {
        await engine.dispose();
        return new Error('the server is shutting down or reloading its models');
      }
      this.state = { kind: 'ready', engine };
      this.lastFailure = undefined;
      return engine;
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      if (failure.message !== this.lastFailure) this.logger.warn(`models unavailable: ${failure.message}`);
      this.lastFailure = failure.message;
      if (!this.disposed) this.state = { kind: 'idle' }; // try again on the next request
      return failure;
    }
  }
}

/** The same wording as EditPipeline's, for a failure found only when the models were first needed. */
function unavailableReason(task: EditTask, reason: string): string {
  const what = task.kind === 'rename' ? 'Suggesting a name' : `The ${task.kind} edit`;
  const hint = task.kind === 'rename' ? " To rename to a name of your choice, use your editor's rename (textDocument/rename)." : '';
  return `${what} needs the models, which are not available: ${reason.replace(/\.$/, '')}.${hint}`;
}
