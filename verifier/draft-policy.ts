/**
 * How long a draft each verifier call gets (DESIGN.md "The verify loop"): K
 * maximises expected output tokens per unit of verifier time.
 *
 * Model: a source's drafted tokens are accepted one after another with a
 * per-token probability p until the first refutation, so a draft of K tokens
 * yields E(K) = p + p^2 + ... + p^K accepted tokens, plus the verifier's own
 * token, for the time t(K + 1) of one batch. K is the candidate (1, 2, 4, ...,
 * capped by the draft the source offers, the remaining budget and context, and
 * maxDraftTokens) with the largest (E(K) + 1) / t(K + 1). p is estimated per
 * source from its recent drafts: a draft of n tokens with a accepted is a
 * successes and, when a < n, one failure (a geometric count, cut off at n);
 * older evidence weighs less, by the tokens drafted since. Acceptance comes
 * in runs (a copied stretch, then an edit), so p is kept apart for a draft
 * that follows a wholly accepted one of the same source and for one that
 * follows a refutation: one average would draft too short inside the runs
 * and too long after them. An unchanged stretch of the original or a whole
 * structural candidate is then drafted 64-128 tokens at a time where batches
 * are cheap, and a source that keeps failing drafts short.
 *
 * Lossless like any drafting choice: it only decides what is proposed.
 */
import type { Drafter } from '../drafters/drafter.js';
import type { Token } from './target-model.js';
import type { CostCurve } from './verifier-cost.js';

export const DEFAULT_MAX_DRAFT_TOKENS = 128;
/** A longer draft must promise this much more output per unit of time: near-ties go to the cheaper call, which wastes less when refuted. */
const MIN_GAIN = 0.01;
/**
 * Weight the previous evidence keeps per drafted token: about the last 50
 * drafted tokens decide. Per token, not per draft: one-token drafts must be
 * able to show a source right 98% of the time (per draft, a perfect source
 * drafting one token at a time could never look better than the decay
 * allows, and K would never grow), and a refuted long draft weighs as much
 * as the tokens it risked.
 */
const DECAY_PER_TOKEN = 0.98;
/** Evidence before any draft: one success and one failure (p = 0.5). */
const PRIOR_SUCCESSES = 1;
const PRIOR_FAILURES = 1;
/** Weight (in drafted tokens) of the source's overall p in each state's estimate: a state with little record of its own follows the source's. */
const STATE_PRIOR = 2;

/** Expected accepted tokens of a K-token draft at per-token acceptance p. */
export function expectedAccepted(p: number, k: number): number {
  return p >= 1 ? k : (p * (1 - p ** k)) / (1 - p);
}

export interface DraftLengthChoice {
  k: number;
  /** Expected output tokens per unit of time: (E(K) + 1) / t(K + 1). */
  value: number;
}

/** The best K for a source with acceptance `p` that offers `offered` tokens, at most `cap`; null when nothing can be proposed. */
export function chooseDraftLength(p: number, offered: number, cap: number, cost: CostCurve): DraftLengthChoice | null {
  const limit = Math.min(offered, cap);
  if (limit < 1) return null;
  let best: DraftLengthChoice | null = null;
  for (let k = 1; ; k = Math.min(2 * k, limit)) {
    const value = (expectedAccepted(p, k) + 1) / cost.time(k + 1);
    if (!best || value > best.value * (1 + MIN_GAIN)) best = { k, value };
    if (k === limit) return best;
  }
}

interface Evidence {
  successes: number;
  failures: number;
}

/** A source's recent per-token acceptance, for its next draft: inside a run of wholly accepted drafts, or after a refutation. */
export class SourceAcceptance {
  private readonly inRun: Evidence = { successes: 0, failures: 0 };
  private readonly afterMiss: Evidence = { successes: 0, failures: 0 };
  /** Whether the source's last draft was accepted whole. */
  private running = false;

  get p(): number {
    const { inRun: r, afterMiss: m } = this;
    const overall = (r.successes + m.successes + PRIOR_SUCCESSES) / (r.successes + r.failures + m.successes + m.failures + PRIOR_SUCCESSES + PRIOR_FAILURES);
    const e = this.running ? r : m;
    return (e.successes + STATE_PRIOR * overall) / (e.successes + e.failures + STATE_PRIOR);
  }

  observe(proposed: number, accepted: number): void {
    if (proposed === 0) return;
    const e = this.running ? this.inRun : this.afterMiss;
    const kept = DECAY_PER_TOKEN ** proposed;
    e.successes = kept * e.successes + accepted;
    e.failures = kept * e.failures + (accepted < proposed ? 1 : 0);
    this.running = accepted === proposed;
  }
}

/**
 * Optional for a drafter with several sources (input lookup over the original
 * and the candidates): the source its last draft came from, so acceptance is
 * kept per source and not per drafter.
 */
export interface NamesDraftSource {
  readonly lastDraftSource: string | null;
}

export interface Proposal {
  drafter: Drafter | null;
  tokens: Token[];
  /** The source the acceptance of this draft is credited to. */
  source: string | null;
}

const noProposal = (): Proposal => ({ drafter: null, tokens: [], source: null });

/** Which source a drafter's last draft came from: the drafter, or one of its sources ("reference 0" and "reference 1" count as one kind). */
function sourceOf(drafter: Drafter): string {
  const named = (drafter as Partial<NamesDraftSource>).lastDraftSource;
  return typeof named === 'string' ? `${drafter.name}:${named.replace(/ \d+$/, '')}` : drafter.name;
}

/** Each source's acceptance, by source name. */
export type SourceRecord = Map<string, SourceAcceptance>;

const records = new WeakMap<object, SourceRecord>();

/** The sources' record with `model` as verifier, shared by its verifiers: a new verifier (a bench makes one per task) starts from what the last one learned. */
export function sourceRecordFor(model: object): SourceRecord {
  let record = records.get(model);
  if (!record) {
    record = new Map();
    records.set(model, record);
  }
  return record;
}

/** The sources' acceptance and the cost curve it is weighed against. */
export class DraftPolicy {
  constructor(
    readonly cost: CostCurve,
    private readonly sources: SourceRecord = new Map(),
  ) {}

  acceptance(source: string): SourceAcceptance {
    let acceptance = this.sources.get(source);
    if (!acceptance) {
      acceptance = new SourceAcceptance();
      this.sources.set(source, acceptance);
    }
    return acceptance;
  }

  /**
   * Every drafter offers up to `cap` tokens; the offer with the most expected
   * output per unit of time wins (on a tie the earlier drafter), cut to its K.
   * The winner is asked again for exactly K tokens, so what it believes it
   * proposed is what the verifier sees.
   */
  propose(drafters: readonly Drafter[], output: readonly Token[], cap: number): Proposal {
    if (cap <= 0) return noProposal();
    let best: { drafter: Drafter; offered: number; k: number; value: number } | null = null;
    for (const drafter of drafters) {
      const offered = drafter.draft(output, cap).length;
      const choice = chooseDraftLength(this.acceptance(sourceOf(drafter)).p, offered, cap, this.cost);
      if (choice && (!best || choice.value > best.value)) best = { drafter, offered, ...choice };
    }
    if (!best) return noProposal();
    const tokens = best.drafter.draft(output, best.k).slice(0, best.k);
    return { drafter: best.drafter, tokens, source: sourceOf(best.drafter) };
  }

  /** The verifier accepted `accepted` of the proposal's tokens. */
  observe(proposal: Proposal, accepted: number): void {
    if (proposal.source !== null) this.acceptance(proposal.source).observe(proposal.tokens.length, accepted);
  }
}
