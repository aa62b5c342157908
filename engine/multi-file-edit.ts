/**
 * Multi-file edits (DESIGN.md "Request flow"): one task per affected scope,
 * run concurrently through the same orchestrator (the verifier's sequences
 * are evaluated in shared batches), merged into one result with the edits
 * grouped per file. All or nothing: one scope that fails fails the whole edit,
 * with its reason, so a half-applied change never reaches the editor.
 */
import type { EditContext, EditMode, EditOrchestrator, EditOutcome, EditResult, EditTask, FileEdit } from '../protocol/edit-task.js';
import { finishStats } from '../protocol/stats.js';

const MODE_ORDER: readonly EditMode[] = ['structural', 'exact', 'rank'];

export async function computeMultiFileEdit(orchestrator: EditOrchestrator, tasks: readonly EditTask[], context: EditContext): Promise<EditOutcome> {
  if (tasks.length === 0) return { status: 'unavailable', reason: 'no scope to edit' };
  const started = performance.now();
  const inner = new AbortController();
  const forward = () => inner.abort(context.signal.reason);
  context.signal.addEventListener('abort', forward, { once: true });
  try {
    const outcomes = await Promise.all(
      tasks.map(async (task) => {
        const outcome = await orchestrator.computeEdit(task, { ...context, signal: inner.signal });
        if (outcome.status !== 'ok') inner.abort(); // the others are wasted work now
        return outcome;
      }),
    );
    if (context.signal.aborted) return { status: 'cancelled' };
    const failed = outcomes.findIndex((o) => o.status === 'unavailable');
    if (failed >= 0) {
      const reason = (outcomes[failed] as { reason: string }).reason;
      return { status: 'unavailable', reason: `${tasks[failed].document.uri}: ${reason}` };
    }
    if (outcomes.some((o) => o.status === 'cancelled')) return { status: 'cancelled' };
    const results = outcomes.map((o) => (o as { result: EditResult }).result);
    return mergeResults(results, performance.now() - started);
  } finally {
    context.signal.removeEventListener('abort', forward);
  }
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
