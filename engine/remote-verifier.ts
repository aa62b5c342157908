/**
 * The verifier as an inference server (DESIGN.md "Remote verifier"): each
 * scope's prompt goes to a llama-server `/completion` (temperature 0,
 * cache_prompt, n_predict = the output budget, the prompt's stop strings),
 * which decodes greedily with its own speculation (`--spec-type ngram-mod`
 * finds the original scope in the prompt). Parsing, the syntax check of the
 * answer, minimal edits, progress, version safety and cancellation stay
 * local: a cancelled edit aborts its HTTP request. Statistics: verifier calls
 * are HTTP requests; drafted and accepted come from the server's `timings`.
 *
 * The prompt is the marker prompt the local verifier sees, unchanged, so the
 * answer is the same model's greedy decode; the marker format has no place
 * for candidates, so structural candidates are not added to it (doing so
 * would change the decode). A server that is down, slow or answers
 * something that is not a completion turns the model-backed kinds off for
 * that request with a reason naming the URL; structural features keep
 * working (EditPipeline, extract's default name, fix without models).
 */
import { z } from 'zod';
import type { EditContext, EditOutcome, EditTask } from '../protocol/edit-task.js';
import { finishStats, type EditStats } from '../protocol/stats.js';
import { syntaxProblems } from '../syntax/diagnostics.js';
import type { ModelEngine } from './edit-pipeline.js';
import { firstLine, prepareEdit, type PromptOptions } from './edit-prompt.js';
import { fixWithoutModels } from './fix-edit.js';
import { minimalReplacements } from './minimal-edits.js';
import { SpliceChecker } from './syntax-filter.js';

/** What a llama-server `/completion` answer must hold (the rest is ignored). */
const completionSchema = z.object({
  content: z.string(),
  stop_type: z.enum(['none', 'eos', 'limit', 'word']).optional(),
  tokens_predicted: z.number().int().min(0).optional(),
  truncated: z.boolean().optional(),
  timings: z
    .object({
      predicted_n: z.number().optional(),
      draft_n: z.number().optional(),
      draft_n_accepted: z.number().optional(),
    })
    .passthrough()
    .optional(),
});

export type RemoteCompletion = z.infer<typeof completionSchema>;

export interface CompletionRequest {
  prompt: string;
  nPredict: number;
  stop: readonly string[];
  signal: AbortSignal;
}

export class RemoteVerifierError extends Error {}

/** A llama-server (or any server with its `/completion` API) at `url`. */
export class LlamaServerClient {
  readonly url: string;

  constructor(
    url: string,
    /** An answer that has not come after this long is given up (ms). */
    private readonly timeoutMs = 120_000,
  ) {
    this.url = url.replace(/\/+$/, '');
  }

  /** Greedy completion; 'cancelled' when `signal` aborted; throws RemoteVerifierError naming the URL otherwise. */
  async complete(request: CompletionRequest): Promise<RemoteCompletion | 'cancelled'> {
    const endpoint = `${this.url}/completion`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = AbortSignal.any([request.signal, timeout]);
    const body = { prompt: request.prompt, n_predict: request.nPredict, stop: request.stop, temperature: 0, top_k: 1, cache_prompt: true, stream: false };
    let text: string;
    try {
      const response = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
      text = await response.text();
      if (!response.ok) throw new RemoteVerifierError(`the verifier server ${endpoint} answered HTTP ${response.status}: ${firstLine(text) || response.statusText}`);
    } catch (error) {
      if (request.signal.aborted) return 'cancelled';
      if (error instanceof RemoteVerifierError) throw error;
      if (timeout.aborted) throw new RemoteVerifierError(`the verifier server ${endpoint} did not answer within ${(this.timeoutMs / 1000).toFixed(0)} s`);
      const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      throw new RemoteVerifierError(`the verifier server ${endpoint} cannot be reached (${cause}); start it (README "Remote verifier") or set verifierServer to null`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new RemoteVerifierError(`the verifier server ${endpoint} answered something that is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
    }
    const parsed = completionSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RemoteVerifierError(`the verifier server ${endpoint} answered JSON that is not a completion (${issue.path.join('.') || 'answer'}: ${issue.message})`);
    }
    return parsed.data;
  }
}

/** contextTokens (when set) is counted as characters / 3.5: the server's tokenizer is not asked. */
export interface RemoteVerifierEngineOptions extends Pick<PromptOptions, 'contextChars' | 'contextTokens' | 'workspaceRoot'> {
  url: string;
  /** Most tokens the server writes for one scope. */
  maxOutputTokens: number;
  timeoutMs?: number;
  logger?: { debug(message: string): void; warn(message: string): void };
}

/** The ModelEngine whose verifier is a server: instructions, loop rewrites, fixes without a structural repair, names. */
export class RemoteVerifierEngine implements ModelEngine {
  readonly client: LlamaServerClient;

  constructor(private readonly options: RemoteVerifierEngineOptions) {
    this.client = new LlamaServerClient(options.url, options.timeoutMs);
  }

  async computeEdit(task: EditTask, context: EditContext): Promise<EditOutcome> {
    const started = performance.now();
    if (context.signal.aborted) return { status: 'cancelled' };
    if (task.kind === 'fix') {
      const fixed = await fixWithoutModels(task, context.types, context.signal);
      if (fixed) return fixed;
    }
    if (task.kind === 'extract') return { status: 'unavailable', reason: 'naming an extracted function is not done on a verifier server' };
    if (task.kind === 'rename' && !task.args.newName) return { status: 'unavailable', reason: 'suggesting a name is not done on a verifier server; give the new name (textDocument/rename)' };
    const prepared = prepareEdit(task, { contextChars: this.options.contextChars, contextTokens: this.options.contextTokens, workspaceRoot: this.options.workspaceRoot }, context.workspace);
    if (!prepared.ok) return { status: 'unavailable', reason: prepared.reason };
    const edit = prepared.edit;
    context.progress?.(`verifying on ${this.client.url}`);
    let answer: RemoteCompletion | 'cancelled';
    try {
      answer = await this.client.complete({ prompt: edit.verifier.prompt as string, nPredict: this.options.maxOutputTokens, stop: edit.verifier.stop, signal: context.signal });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.options.logger?.warn(reason);
      return { status: 'unavailable', reason };
    }
    if (answer === 'cancelled' || context.signal.aborted) return { status: 'cancelled' };
    const stats = remoteStats(answer, performance.now() - started);
    const scope = edit.scope;
    if (answer.stop_type === 'limit' || answer.truncated) {
      return { status: 'unavailable', reason: `the verifier did not finish the edit within ${stats.outputTokens} tokens; raise maxOutputTokens or select a smaller scope` };
    }
    const edited = edit.verifier.edited(answer.content);
    if (edited === scope.text) return { status: 'unavailable', reason: `the model left the ${scope.unit} unchanged` };
    const checker = new SpliceChecker(task.document.languageId, task.document.text, scope.range, syntaxProblems(edit.syntax.tree), { requireClean: task.kind === 'fix' });
    const verdict = checker.check(edited);
    if (!verdict.ok) {
      const what = checker.mustClean ? 'does not fix the syntax error' : 'would add a syntax error';
      return { status: 'unavailable', reason: `the model's edit ${what} (${verdict.reason}); nothing was changed` };
    }
    const replacements = minimalReplacements(scope.text, edited, scope.range.start);
    const title = task.kind === 'instruction' ? `Edit: ${firstLine(task.args.instruction ?? '')}` : task.kind === 'optimizeLoop' ? 'Optimize loop' : task.kind === 'fix' ? `Fix: ${firstLine(edit.message ?? '')}` : `Rename \`${edit.oldName}\` to \`${task.args.newName}\``;
    return {
      status: 'ok',
      result: { title, mode: 'exact', edits: [{ uri: task.document.uri, version: task.document.version, replacements }], stats },
    };
  }

  async dispose(): Promise<void> {}
}

/** One HTTP request = one verifier call; drafted/accepted as the server's speculation reports them. */
export function remoteStats(answer: RemoteCompletion, wallMs: number): EditStats {
  const timings = answer.timings ?? {};
  return finishStats({
    drafted: timings.draft_n ?? 0,
    accepted: timings.draft_n_accepted ?? 0,
    verifierCalls: 1,
    outputTokens: answer.tokens_predicted ?? timings.predicted_n ?? 0,
    wallMs,
  });
}
