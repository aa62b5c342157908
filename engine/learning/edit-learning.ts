/**
 * What the engine learns from the edits it makes: per (kind, drafter)
 * acceptance, which decides the drafters that run (drafter-selection.ts),
 * and, when the user opts in, a log of the returned edits for fine-tuning
 * (accepted-edit-log.ts). Both live in the user's data directory.
 * Learning never fails an edit: a problem is logged and the edit stands.
 */
import { join } from 'node:path';
import type { Config } from '../../protocol/config.js';
import type { EditKind, EditOrchestrator, EditResult, EditTask } from '../../protocol/edit-task.js';
import type { PromptParts } from '../../protocol/prompt-format.js';
import { buildCompletion } from '../../protocol/prompt-format.js';
import type { DrafterAcceptance } from '../../protocol/stats.js';
import { applyReplacements } from '../../protocol/text.js';
import type { Token } from '../../verifier/target-model.js';
import { CANCELLED_CANDIDATE, DUPLICATE_CANDIDATE, editedFromCompletion, type CandidateDrafter, type CandidateReport } from '../candidates.js';
import type { EditScope } from '../edit-scope.js';
import type { EngineRun } from '../speculative-engine.js';
import { ACCEPTED_EDITS_FILE, AcceptedEditLog } from './accepted-edit-log.js';
import { resolveDataDir } from './data-dir.js';
import { DrafterSelection, type DrafterSelectionPolicy } from './drafter-selection.js';
import { DRAFTER_STATS_FILE, DrafterStatsStore, type StatsLogger } from './drafter-stats.js';
import { tokenAcceptance } from './token-acceptance.js';

/** What the speculative engine asks of learning (engine/speculative-engine.ts). */
export interface EngineLearning {
  /** The drafters to run for one request of `kind`. */
  select(kind: EditKind, drafters: readonly CandidateDrafter[]): CandidateDrafter[];
  /** One finished request (any outcome). */
  observe(observation: EditObservation): void;
}

export interface EditObservation {
  task: EditTask;
  parts: PromptParts;
  run: EngineRun;
  /** The drafters that ran for it (their model identities key the statistics). */
  drafters: readonly CandidateDrafter[];
  /** The verifier's tokenizer: acceptance is counted in its tokens. */
  tokenize(text: string): Token[];
}

export interface EditLearningOptions {
  stats: DrafterStatsStore;
  policy: DrafterSelectionPolicy;
  /** Present when the user opted in to the accepted-edit log. */
  editLog?: AcceptedEditLog;
  logger: StatsLogger;
}

export class EditLearning implements EngineLearning {
  private readonly selection: DrafterSelection;

  constructor(private readonly options: EditLearningOptions) {
    this.selection = new DrafterSelection(options.stats, options.policy, options.logger);
  }

  /**
   * From the settings. One statistics store per file in the process: the
   * server rebuilds its orchestrator when model settings change, and the
   * new one must see (and not race to overwrite) the old one's numbers.
   */
  static fromConfig(config: Config, logger: StatsLogger): EditLearning {
    const dir = resolveDataDir(config.dataDir);
    const file = join(dir, DRAFTER_STATS_FILE);
    let stats = STORES.get(file);
    if (!stats) STORES.set(file, (stats = DrafterStatsStore.load(file, logger)));
    return new EditLearning({
      stats,
      policy: { floor: config.drafterFloor, minRequests: config.drafterMinRequests, exploreEvery: config.drafterExploreEvery, pinned: config.pinnedDrafters },
      editLog: config.logAcceptedEdits ? new AcceptedEditLog(join(dir, ACCEPTED_EDITS_FILE), logger) : undefined,
      logger,
    });
  }

  select(kind: EditKind, drafters: readonly CandidateDrafter[]): CandidateDrafter[] {
    return this.selection.select(kind, drafters);
  }

  observe(observation: EditObservation): void {
    try {
      const edited = editedScope(observation.run, observation.task.document.uri);
      if (edited !== undefined) this.recordDrafters(observation, edited);
      const { outcome, scope, prompt } = observation.run;
      if (this.options.editLog && outcome.status === 'ok' && scope && prompt && edited !== undefined) this.logEdit(observation, outcome.result, scope, prompt, edited);
    } catch (error) {
      this.options.logger.warn(`learning from a ${observation.task.kind} edit failed: ${(error as Error).message}`);
    }
  }

  /** Per (kind, drafter) acceptance for `specedit/stats`, with whether each drafter is skipped now. */
  report(): DrafterAcceptance[] {
    return this.options.stats.entries().map(({ kind, drafter, entry }) => ({
      kind,
      drafter,
      model: entry.model,
      requests: entry.requests,
      candidateTokens: entry.candidateTokens,
      acceptedTokens: entry.acceptedTokens,
      acceptance: entry.candidateTokens === 0 ? 0 : entry.acceptedTokens / entry.candidateTokens,
      recentAcceptance: entry.recentAcceptance,
      skipped: this.selection.belowFloor(kind, drafter, entry.model ?? undefined),
    }));
  }

  /** Writes the statistics and waits for the edit log (shutdown, tests). */
  async flush(): Promise<void> {
    this.options.stats.flush();
    await this.options.editLog?.flush();
  }

  private recordDrafters({ task, run, drafters, tokenize }: EditObservation, edited: string): void {
    const output = tokenize(edited);
    for (const report of run.candidates) {
      if (report.layer !== 'model' || report.reason === CANCELLED_CANDIDATE) continue;
      const model = drafters.find((d) => d.name === report.name)?.model;
      const outcome = usable(report) ? tokenAcceptance(tokenize(report.text!), output) : { candidateTokens: report.text === undefined ? 0 : tokenize(report.text).length, acceptedTokens: 0 };
      const entry = this.options.stats.record(task.kind, report.name, model, outcome);
      this.options.logger.debug(
        `drafter ${report.name} on ${task.kind}: ${outcome.acceptedTokens}/${outcome.candidateTokens} tokens kept, recent acceptance ${(entry.recentAcceptance * 100).toFixed(0)}% over ${entry.requests} requests`,
      );
    }
  }

  private logEdit({ task, parts }: EditObservation, result: EditResult, scope: EditScope, prompt: string, edited: string): void {
    this.options.editLog!.append({
      kind: task.kind,
      split: 'accepted',
      file: parts.file,
      uri: task.document.uri,
      instruction: parts.instruction,
      prompt,
      original: scope.text,
      edited,
      completion: buildCompletion(edited),
      mode: result.mode,
      stats: result.stats,
      at: new Date().toISOString(),
    });
  }
}

const STORES = new Map<string, DrafterStatsStore>();

/** A candidate that was (or duplicated) a speculation source; dropped ones contributed nothing. */
function usable(report: CandidateReport): boolean {
  return report.text !== undefined && (report.status === 'kept' || report.reason === DUPLICATE_CANDIDATE);
}

/**
 * The scope's text after the edit: the returned edit when there is one
 * (its replacements inside the scope; a whole-file rename also has some
 * outside, which the scope's own occurrences already show; text inserted
 * outside the scope, an extracted function, follows it, as the verifier
 * ranks extractions in engine/extract-edit.ts), else the verifier's finished
 * output (the model left the scope unchanged, or wrote a syntax error: still
 * what the drafters should have predicted). undefined when nothing finished
 * (cancelled, unavailable).
 */
export function editedScope(run: EngineRun, uri: string): string | undefined {
  const { outcome, scope, verified } = run;
  if (!scope) return undefined;
  if (outcome.status === 'ok') {
    const { start, end } = scope.range;
    const replacements = outcome.result.edits.filter((e) => e.uri === uri).flatMap((e) => e.replacements);
    const inside = replacements.filter((r) => r.start >= start && r.end <= end).map((r) => ({ ...r, start: r.start - start, end: r.end - start }));
    const insertedOutside = replacements.filter((r) => r.start === r.end && (r.start < start || r.start > end)).sort((a, b) => a.start - b.start);
    return applyReplacements(scope.text, inside) + insertedOutside.map((r) => r.newText).join('');
  }
  if (verified && verified.mode === 'exact' && verified.stopReason !== 'budget') return editedFromCompletion(verified.text);
  return undefined;
}

/** The orchestrator with the learning's statistics in `specedit/stats` and its state saved on dispose. */
export function withLearning(orchestrator: EditOrchestrator, learning: EditLearning): EditOrchestrator {
  return {
    computeEdit: (task, context) => orchestrator.computeEdit(task, context),
    drafterStats: () => learning.report(),
    dispose: async () => {
      try {
        await orchestrator.dispose?.();
      } finally {
        await learning.flush();
      }
    },
  };
}
