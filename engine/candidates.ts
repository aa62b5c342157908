/**
 * Layers 1-3 of DESIGN.md for one edit: structural candidates and model
 * drafters' candidates, gathered in parallel, each spliced into the document
 * and dropped if it adds syntax errors. What survives becomes speculation
 * sources for the verifier (and the field for rank mode).
 */
import type { EditKind } from '../protocol/edit-task.js';
import type { ModelDrafterPool, ModelDraftOutcome, ModelDraftRequest } from '../drafters/model-drafter-pool.js';
import type { SpliceChecker } from './syntax-filter.js';
import type { TextCandidate } from './structural-candidates.js';

/** A model that writes whole candidate edits for some edit kinds (a pool worker in production). */
export interface CandidateDrafter {
  readonly name: string;
  readonly kinds: readonly EditKind[];
  draft(request: ModelDraftRequest, signal?: AbortSignal): Promise<ModelDraftOutcome>;
}

/** The pool's drafter models as candidate drafters. */
export function poolDrafters(pool: ModelDrafterPool, kinds: ReadonlyMap<string, readonly EditKind[]>): CandidateDrafter[] {
  return pool.names.map((name) => ({
    name,
    kinds: kinds.get(name) ?? [],
    draft: (request: ModelDraftRequest, signal?: AbortSignal) => pool.draft(name, request, signal),
  }));
}

export type CandidateLayer = 'structural' | 'model';

/** What happened to one candidate: kept as a source, or why not. */
export interface CandidateReport {
  name: string;
  layer: CandidateLayer;
  status: 'kept' | 'dropped';
  reason?: string;
  /** Time to produce it (a drafter's decode), ms. */
  ms: number;
}

export interface GatheredCandidates {
  kept: TextCandidate[];
  reports: CandidateReport[];
  cancelled: boolean;
}

export interface GatherRequest {
  structural: readonly TextCandidate[];
  drafters: readonly CandidateDrafter[];
  /** The prompt and budget every model drafter gets. */
  draft: ModelDraftRequest;
  checker: SpliceChecker;
  signal: AbortSignal;
  /** Called for each candidate as soon as it is kept (structural ones first, then drafters' as they finish). */
  onKept?: (candidate: TextCandidate, layer: CandidateLayer) => void;
}

/** A drafter's text is the completion before the end marker: the edited scope and the newline before the marker. */
export function editedFromCompletion(text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/**
 * Checks the structural candidates at once and each drafter's candidate as
 * soon as that drafter finishes; resolves when every drafter has answered
 * (a drafter answers a cancel within a few ms).
 */
export async function gatherCandidates(request: GatherRequest): Promise<GatheredCandidates> {
  const kept: TextCandidate[] = [];
  const reports: CandidateReport[] = [];
  const seen = new Set<string>();
  const consider = (candidate: TextCandidate, layer: CandidateLayer, ms: number): void => {
    const verdict = seen.has(candidate.text) ? { ok: false as const, reason: 'same text as an earlier candidate' } : request.checker.check(candidate.text);
    if (!verdict.ok) {
      reports.push({ name: candidate.name, layer, status: 'dropped', reason: verdict.reason, ms });
      return;
    }
    kept.push(candidate);
    seen.add(candidate.text);
    reports.push({ name: candidate.name, layer, status: 'kept', ms });
    request.onKept?.(candidate, layer);
  };
  const drop = (name: string, reason: string, ms: number): void => {
    reports.push({ name, layer: 'model', status: 'dropped', reason, ms });
  };

  for (const candidate of request.structural) consider(candidate, 'structural', 0);
  let cancelled = false;
  await Promise.all(
    request.drafters.map(async (drafter) => {
      const outcome = await drafter.draft(request.draft, request.signal);
      if (outcome.status === 'cancelled') {
        cancelled = true;
        drop(drafter.name, 'cancelled', 0);
      } else if (outcome.status === 'failed') drop(drafter.name, outcome.reason, 0);
      else if (outcome.stopReason === 'budget') drop(drafter.name, `incomplete: no end marker within ${outcome.tokens} tokens`, outcome.ms);
      else consider({ name: drafter.name, text: editedFromCompletion(outcome.text) }, 'model', outcome.ms);
    }),
  );
  return { kept, reports, cancelled: cancelled || request.signal.aborted };
}
