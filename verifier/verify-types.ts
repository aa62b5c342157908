/** What the verifier is asked and what it answers; results are values, cancellation included. */
import type { EditStats } from '../protocol/stats.js';
import type { Drafter } from '../drafters/drafter.js';
import type { StopReason } from './output-buffer.js';
import type { Token } from './target-model.js';

/** exact: lossless verify loop. rank: best whole candidate above a threshold (lossy), else exact. */
export type VerifyMode = 'exact' | 'rank';

/** A text prompt gets the model's BOS in front; a token prompt is used as is. */
export type Prompt = string | readonly Token[];

export interface DecodeRequest {
  prompt: Prompt;
  /** Output ends at the first of these strings; the text is cut before it. */
  stop?: readonly string[];
  /** Most output tokens (the context size may lower it). */
  maxOutputTokens?: number;
  signal?: AbortSignal;
}

export interface VerifyRequest extends DecodeRequest {
  /** Texts the output probably repeats, e.g. the original scope: lookup sources only. */
  references?: readonly string[];
  /** Whole candidate outputs: lookup sources, and ranked in rank mode. */
  candidates?: readonly string[];
  /** More drafters, e.g. a live model drafter; consulted after input lookup. */
  drafters?: readonly Drafter[];
  mode?: VerifyMode;
  /** Rank mode: minimum agreement for a candidate to be taken as is. */
  rankThreshold?: number;
  /** Called after every verify step (progress reports, tests). */
  onStep?: (step: VerifyStep) => void;
}

export interface VerifyStep {
  /** Tokens proposed in this step (0 when no drafter had a guess). */
  proposed: number;
  /** Proposed tokens the verifier agreed with. */
  accepted: number;
  /** Tokens the target chose in this step: accepted + its own next token (always >= 1). */
  chosen: number;
  /** Output length after the step. */
  outputTokens: number;
}

export interface CandidateScore {
  candidate: number;
  /** Fraction of the candidate's tokens (with its terminator) equal to the verifier's greedy choice. */
  agreement: number;
  tokens: number;
}

export interface VerifyResult {
  tokens: Token[];
  text: string;
  stopReason: StopReason;
  mode: VerifyMode;
  stats: EditStats;
  /** Rank scores when rank mode ran, in candidate order. */
  scores?: CandidateScore[];
  /** Rank mode: the candidate taken as the output. */
  chosenCandidate?: number;
}

export type VerifyOutcome =
  | { status: 'ok'; result: VerifyResult }
  | { status: 'cancelled'; stats: EditStats }
  | { status: 'unavailable'; reason: string };
