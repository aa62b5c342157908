/**
 * Multi-file edits (DESIGN.md "Request flow"): one task per affected scope
 * through the same orchestrator, merged into one result with the edits
 * grouped per file. All or nothing: one scope that fails fails the whole edit,
 * with its reason, so a half-applied change never reaches the editor.
 *
 * The scopes run one after another, not concurrently as DESIGN.md sketches:
 * llama.cpp's results depend on how sequences share a batch and the KV cache,
 * so a verifier sequence decoding beside another can flip a near-tie and
 * leave the plain greedy decode. The benchmark saw it on all three of its
 * multi-file tasks when run concurrently, and on none run in turn. Speculation
 * already fills each batch with K tokens, so little throughput is lost.
 */
import type { EditContext, EditMode, EditOrchestrator, EditOutcome, EditResult, EditTask, FileEdit } from '../protocol/edit-task.js';
import { finishStats } from '../protocol/stats.js';

const MODE_ORDER: readonly EditMode[] = ['structural', 'exact', 'rank'];

export async function computeMultiFileEdit(orchestrator: EditOrchestrator, tasks: readonly EditTask[], context: EditContext): Promise<EditOutcome> {
  if (tasks.length === 0) return { status: 'unavailable', reason: 'no scope to edit' };
  const started = performance.now();
  const results: EditResult[] = [];
  for (const [i, task] of tasks.entries()) {
    if (context.signal.aborted) return { status: 'cancelled' };
    const progress = context.progress && ((m: string, p?: number) => context.progress!(`scope ${i + 1} of ${tasks.length}: ${m}`, p));
    const outcome = await orchestrator.computeEdit(task, { ...context, progress });
    if (outcome.status === 'cancelled') return outcome;
    if (outcome.status === 'unavailable') return { status: 'unavailable', reason: `${task.document.uri}: ${outcome.reason}` };
    results.push(outcome.result);
  }
  return mergeResults(results, performance.now() - started);
}

/** One result: replacements grouped per file (in order, overlaps refused), statistics summed, the lossiest mode named. */
export function mergeResults(results: readonly EditResult[], wallMs: number): EditOutcome {
  const byUri = new Map<string, FileEdit>();
  for (const edit of results.flatMap((r) => r.edits)) {
    const file = byUri.get(edit.uri);
    if (!file) {
      byUri.set(edit.uri, { ...edit, replacements: [...edit.replacements] });
      continue;
    }
    if (file.version !== edit.version) return { status: 'unavailable', reason: `${edit.uri} was edited at two versions (${file.version}, ${edit.version})` };
    file.replacements.push(...edit.replacements);
  }
  for (const file of byUri.values()) {
    file.replacements.sort((a, b) => a.start - b.start);
    const overlap = file.replacements.find((r, i) => i > 0 && r.start < file.replacements[i - 1].end);
    if (overlap) return { status: 'unavailable', reason: `two scopes of the edit overlap in ${file.uri} (at offset ${overlap.start})` };
  }
  const sum = (f: (r: EditResult) => number) => results.reduce((n, r) => n + f(r), 0);
  const mode = results.map((r) => r.mode).reduce((a, b) => (MODE_ORDER.indexOf(b) > MODE_ORDER.indexOf(a) ? b : a));
  return {
    status: 'ok',
    result: {
      title: results.length === 1 ? results[0].title : `${results[0].title} (${results.length} scopes in ${byUri.size} files)`,
      mode,
      edits: [...byUri.values()],
      stats: finishStats({
        drafted: sum((r) => r.stats.drafted),
        accepted: sum((r) => r.stats.accepted),
        verifierCalls: sum((r) => r.stats.verifierCalls),
        outputTokens: sum((r) => r.stats.outputTokens),
        wallMs,
      }),
    },
  };
}
