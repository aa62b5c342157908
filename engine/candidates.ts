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
  /** Identity of the model file (engine/learning/model-identity.ts): its statistics start over when it changes. */
  readonly model?: string;
  draft(request: ModelDraftRequest, signal?: AbortSignal): Promise<ModelDraftOutcome>;
}

/** The pool's drafter models as candidate drafters; `models` gives each one's model file identity. */
export function poolDrafters(pool: ModelDrafterPool, kinds: ReadonlyMap<string, readonly EditKind[]>, models?: ReadonlyMap<string, string>): CandidateDrafter[] {
  return pool.names.map((name) => ({
    name,
    kinds: kinds.get(name) ?? [],
    model: models?.get(name),
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
  /** A model drafter's candidate text, also when dropped (its acceptance statistics, engine/learning/). */
  text?: string;
}

/** Why a candidate was dropped although it is as good a source as an earlier one. */
export const DUPLICATE_CANDIDATE = 'same text as an earlier candidate';
/** A drafter stopped before it answered: nothing is known about its candidate. */
export const CANCELLED_CANDIDATE = 'cancelled';

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
    const verdict = seen.has(candidate.text) ? { ok: false as const, reason: DUPLICATE_CANDIDATE } : request.checker.check(candidate.text);
    const text = layer === 'model' ? { text: candidate.text } : {};
    if (!verdict.ok) {
      reports.push({ name: candidate.name, layer, status: 'dropped', reason: verdict.reason, ms, ...text });
      return;
    }
    kept.push(candidate);
    seen.add(candidate.text);
    reports.push({ name: candidate.name, layer, status: 'kept', ms, ...text });
    request.onKept?.(candidate, layer);
  };
  const drop = (name: string, reason: string, ms: number, text?: string): void => {
    reports.push({ name, layer: 'model', status: 'dropped', reason, ms, ...(text === undefined ? {} : { text }) });
  };

  for (const candidate of request.structural) consider(candidate, 'structural', 0);
  let cancelled = false;
  await Promise.all(
    request.drafters.map(async (drafter) => {
      const outcome = await drafter.draft(request.draft, request.signal);
      if (outcome.status === 'cancelled') {
        cancelled = true;
        drop(drafter.name, CANCELLED_CANDIDATE, 0);
      } else if (outcome.status === 'failed') drop(drafter.name, outcome.reason, 0);
      else if (outcome.stopReason === 'budget') drop(drafter.name, `incomplete: no end marker within ${outcome.tokens} tokens`, outcome.ms, outcome.text);
      else consider({ name: drafter.name, text: outcome.edited ?? editedFromCompletion(outcome.text) }, 'model', outcome.ms);
    }),
  );
  return { kept, reports, cancelled: cancelled || request.signal.aborted };
}
