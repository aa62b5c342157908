/**
 * The verify loop (DESIGN.md "The verify loop"). Contract: every output token
 * is one the target model chose greedily, so the output equals
 * plainGreedyDecode's token for token; each model call emits at least one
 * token; cancellation is a value, and leaves the sequence's cache exactly
 * described by its `tokens`.
 */
import type { Drafter } from '../drafters/drafter.js';
import type { EditStats } from '../protocol/stats.js';
import { InputLookupDrafter } from '../drafters/input-lookup-drafter.js';
import { DEFAULT_MAX_OUTPUT_TOKENS, StatsCounter, newOutput, prefill, promptProblem, promptTokens } from './decode-session.js';
import type { OutputBuffer } from './output-buffer.js';
import { plainGreedyDecode } from './plain-greedy-decode.js';
import { DEFAULT_MAX_DRAFT_TOKENS, DraftPolicy, sourceRecordFor } from './draft-policy.js';
import { bestCandidate, rankedTokens, scoreCandidates } from './rank-candidates.js';
import { SequencePool } from './sequence-pool.js';
import type { TargetModel, TargetSequence, Token } from './target-model.js';
import { learnedCostCurve, type CostCurve, type LearnedCostCurve } from './verifier-cost.js';
import type { CandidateScore, DecodeRequest, Prompt, VerifyOutcome, VerifyRequest, VerifyResult } from './verify-types.js';

export interface GreedyVerifierOptions {
  /** Sequences kept for prefix reuse (LRU). */
  sequences?: number;
  /** Most proposed tokens per verifier call: an upper bound; below it K is chosen by cost (draft-policy.ts). */
  maxDraftTokens?: number;
  /** The verifier's t(n); absent: the model's own (TargetModel.costCurve), else learned from its calls (verifier-cost.ts). */
  costCurve?: CostCurve;
  /** Output budget when a request names none. */
  maxOutputTokens?: number;
  /** Rank mode threshold when a request names none. */
  rankThreshold?: number;
}

function agreeingPrefix(proposal: readonly Token[], predictions: readonly Token[]): number {
  let a = 0;
  while (a < proposal.length && proposal[a] === predictions[a]) a++;
  return a;
}

/** One run of the loop on a leased sequence whose cache holds the prompt. */
interface LoopState {
  sequence: TargetSequence;
  out: OutputBuffer;
  /** The last output token: chosen by the target, not yet in the cache. */
  pending: Token;
  drafters: readonly Drafter[];
  policy: DraftPolicy;
  maxDraftTokens: number;
  /** Where each call's time is recorded; null when the curve is given. */
  timings: LearnedCostCurve | null;
  counter: StatsCounter;
  request: VerifyRequest;
}

/** Verifies [pending, p1..pK] in one call; keeps the agreed part in the cache and emits it plus the target's own token. */
async function verifyStep(s: LoopState): Promise<void> {
  const proposed = s.policy.propose(s.drafters, s.out.tokens, Math.min(s.maxDraftTokens, s.out.remaining - 1));
  const { drafter, tokens: proposal } = proposed;
  const started = performance.now();
  const predictions = await s.sequence.evaluate([s.pending, ...proposal]);
  s.timings?.observe(proposal.length + 1, performance.now() - started);
  const accepted = agreeingPrefix(proposal, predictions);
  await s.sequence.erase(s.sequence.tokens.length - (proposal.length - accepted));
  s.counter.verifierCalls++;
  s.counter.drafted += proposal.length;
  s.counter.accepted += accepted;
  drafter?.accept(accepted);
  s.policy.observe(proposed, accepted);
  s.pending = predictions[accepted];
  for (const t of [...proposal.slice(0, accepted), s.pending]) if (!s.out.push(t)) break;
  s.request.onStep?.({ proposed: proposal.length, accepted, chosen: accepted + 1, outputTokens: s.out.tokens.length });
}

export class GreedyVerifier {
  private readonly pool: SequencePool;
  private readonly maxDraftTokens: number;
  private readonly policy: DraftPolicy;
  private readonly timings: LearnedCostCurve | null;
  private readonly maxOutputTokens: number;
  private readonly rankThreshold: number;

  constructor(
    readonly model: TargetModel,
    options: GreedyVerifierOptions = {},
  ) {
    this.pool = new SequencePool(model, options.sequences ?? 2);
    this.maxDraftTokens = Math.max(1, options.maxDraftTokens ?? DEFAULT_MAX_DRAFT_TOKENS);
    const given = options.costCurve ?? model.costCurve;
    const learned = learnedCostCurve(model);
    this.timings = given ? null : learned;
    // The sources' record carries over from one request to the next, per model like the curve.
    this.policy = new DraftPolicy(given ?? learned, sourceRecordFor(model));
    this.maxOutputTokens = options.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
    this.rankThreshold = options.rankThreshold ?? 0.95;
  }

  /** Speculative greedy decoding (exact), or rank mode falling back to it. */
  verify(request: VerifyRequest): Promise<VerifyOutcome> {
    return this.withSequence(request, (sequence, prefix, counter) => this.run(sequence, prefix, counter, request));
  }

  /** The baseline: plain greedy decoding on this verifier's sequences (prefix reuse included, for a fair comparison). */
  decodePlain(request: DecodeRequest): Promise<VerifyOutcome> {
    return this.withSequence(request, (sequence) => plainGreedyDecode(this.model, sequence, request, this.maxOutputTokens));
  }

  /** Agreement of each whole candidate with the verifier after `prompt` (see rank-candidates.ts). */
  rankCandidates(
    prompt: Prompt,
    candidates: readonly string[],
    options: { stop?: readonly string[]; signal?: AbortSignal } = {},
  ): Promise<{ status: 'ok'; scores: CandidateScore[]; stats: EditStats } | Exclude<VerifyOutcome, { status: 'ok' }>> {
    return this.withSequence({ prompt, signal: options.signal }, async (sequence, prefix, counter) => {
      const first = await prefill(sequence, prefix);
      counter.verifierCalls++;
      const scores = await this.score(sequence, first, candidates, options.stop ?? [], counter, options.signal);
      return scores ? { status: 'ok' as const, scores, stats: counter.finish(0) } : { status: 'cancelled' as const, stats: counter.finish(0) };
    });
  }

  async dispose(): Promise<void> {
    await this.pool.dispose();
  }

  /** Leases the sequence with the longest cached prefix for the duration of `body`. */
  private async withSequence<R>(
    request: DecodeRequest,
    body: (sequence: TargetSequence, prefix: Token[], counter: StatsCounter) => Promise<R>,
  ): Promise<R | Exclude<VerifyOutcome, { status: 'ok' }>> {
    const counter = new StatsCounter();
    const prefix = promptTokens(this.model, request.prompt);
    const problem = promptProblem(this.model, prefix);
    if (problem) return { status: 'unavailable', reason: problem };
    const sequence = await this.pool.acquire(prefix, request.signal);
    if (!sequence) return { status: 'cancelled', stats: counter.finish(0) };
    try {
      return await body(sequence, prefix, counter);
    } finally {
      this.pool.release(sequence);
    }
  }

  private async run(sequence: TargetSequence, prefix: Token[], counter: StatsCounter, request: VerifyRequest): Promise<VerifyOutcome> {
    if (request.signal?.aborted) return { status: 'cancelled', stats: counter.finish(0) };
    const first = await prefill(sequence, prefix);
    counter.verifierCalls++;
    let scores: CandidateScore[] | undefined;
    if (request.mode === 'rank' && (request.candidates?.length ?? 0) > 0) {
      const ranked = await this.rankThenMaybeStop(sequence, first, counter, request);
      if (ranked.outcome) return ranked.outcome;
      scores = ranked.scores;
    }
    const state = this.loopState(sequence, prefix, first, counter, request);
    if (!state.out.push(first)) return this.exactResult(state, scores);
    while (!state.out.ended) {
      if (request.signal?.aborted) return { status: 'cancelled', stats: counter.finish(state.out.tokens.length) };
      await verifyStep(state);
    }
    return this.exactResult(state, scores);
  }

  /** Rank mode: returns the outcome when a candidate wins (or on cancel), else the scores for the exact fallback. */
  private async rankThenMaybeStop(
    sequence: TargetSequence,
    first: Token,
    counter: StatsCounter,
    request: VerifyRequest,
  ): Promise<{ outcome?: VerifyOutcome; scores?: CandidateScore[] }> {
    const candidates = request.candidates ?? [];
    const scores = await this.score(sequence, first, candidates, request.stop ?? [], counter, request.signal);
    if (!scores) return { outcome: { status: 'cancelled', stats: counter.finish(0) } };
    const best = bestCandidate(scores, request.rankThreshold ?? this.rankThreshold);
    if (!best) return { scores };
    const text = candidates[best.candidate];
    const tokens = this.model.tokenize(text);
    // The candidate was scored together with its terminator, so that is where it ends.
    const stopReason = (request.stop?.length ?? 0) > 0 ? 'stop' : 'eog';
    const result: VerifyResult = { tokens, text, stopReason, mode: 'rank', stats: counter.finish(tokens.length), scores, chosenCandidate: best.candidate };
    return { outcome: { status: 'ok', result } };
  }

  private score(
    sequence: TargetSequence,
    first: Token,
    candidates: readonly string[],
    stop: readonly string[],
    counter: StatsCounter,
    signal?: AbortSignal,
  ): Promise<CandidateScore[] | null> {
    const tokens = candidates.map((c) => rankedTokens(this.model, c, stop));
    return scoreCandidates(sequence, first, tokens, this.model.contextSize, counter, signal);
  }

  private loopState(sequence: TargetSequence, prefix: Token[], first: Token, counter: StatsCounter, request: VerifyRequest): LoopState {
    const texts = [
      ...(request.references ?? []).map((text, i) => ({ name: `reference ${i}`, text })),
      ...(request.candidates ?? []).map((text, i) => ({ name: `candidate ${i}`, text })),
    ];
    const lookup = InputLookupDrafter.fromTexts(texts, (text) => this.model.tokenize(text));
    const drafters = [lookup, ...(request.drafters ?? [])];
    drafters.forEach((d) => d.begin(prefix));
    return {
      sequence,
      out: newOutput(this.model, prefix, request, this.maxOutputTokens),
      pending: first,
      drafters,
      policy: this.policy,
      maxDraftTokens: this.maxDraftTokens,
      timings: this.timings,
      counter,
      request,
    };
  }

  private exactResult(state: LoopState, scores?: CandidateScore[]): VerifyOutcome {
    const { out, counter } = state;
    const result: VerifyResult = { tokens: out.tokens, text: out.text(), stopReason: out.stopReason!, mode: 'exact', stats: counter.finish(out.tokens.length), scores };
    return { status: 'ok', result };
  }
}
