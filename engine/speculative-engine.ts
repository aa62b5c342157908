/**
 * The model engine behind EditPipeline: one edit through every layer of
 * DESIGN.md. The prompt (protocol/prompt-format.ts) shows the scope the kind
 * needs; structural and model drafters write candidates in parallel; the
 * candidates that parse cleanly in the document become speculation sources,
 * with the original scope, for the verifier; its output is checked the same
 * way and becomes minimal replacements.
 *
 * Invariant: in exact mode the edited text is the verifier's plain greedy
 * decode of the prompt, token for token (the layers only change how fast it
 * comes). Rank mode and name suggestions say so in the result's mode.
 */
import type { EditContext, EditKind, EditOutcome, EditTask, FileEdit } from '../protocol/edit-task.js';
import { applyReplacements, lineOf, type TextReplacement } from '../protocol/text.js';
import { dedentScope, END_MARKER, type PromptFormatName } from '../protocol/prompt-format.js';
import { structuralStats, type EditStats } from '../protocol/stats.js';
import type { Drafter } from '../drafters/drafter.js';
import { candidateSource, InputLookupDrafter } from '../drafters/input-lookup-drafter.js';
import type { GreedyVerifier } from '../verifier/greedy-verifier.js';
import type { VerifyMode, VerifyOutcome, VerifyResult, VerifyStep } from '../verifier/verify-types.js';
import { modelPrompt, NAME_TOKENS, namePrompt, promptFormatFor, type PromptFormatSetting } from '../verifier/model-prompt.js';
import { gatherCandidates, type CandidateDrafter, type CandidateReport, type GatheredCandidates } from './candidates.js';
import type { ModelEngine } from './edit-pipeline.js';
import { DEFAULT_EXTRACTED_NAME, firstLine, prepareEdit, type Prepared, type PreparedEdit, type PromptOptions } from './edit-prompt.js';
import { ConfidentLookupDrafter } from './confident-lookup.js';
import type { EditScope } from './edit-scope.js';
import { minimalReplacements } from './minimal-edits.js';
import { namedCandidates, nameInCandidate, renameSite, type NamedCandidate, type RenameSite } from './name-suggestion.js';
import { fixCandidates, renamedScope, type TextCandidate } from './structural-candidates.js';
import { SpliceChecker } from './syntax-filter.js';
import { syntaxProblems } from '../syntax/diagnostics.js';
import { fewestTypeErrors, structuralFixes, type FixCandidate } from './fix-edit.js';
import type { EngineLearning } from './learning/edit-learning.js';
import { extractNamedByModels } from './extract-edit.js';
import { problemsAdded } from '../protocol/type-view.js';

/** Which speculation layers run (the benchmark compares them; the server runs all). */
export interface SpeculationLayers {
  /** Layer 0: the original scope as a lookup source. */
  inputLookup: boolean;
  /** Layer 1: candidates computed from the syntax tree and the diagnostic. */
  structural: boolean;
  /** Layer 2: drafter models' candidates. */
  modelDrafters: boolean;
}

export const ALL_LAYERS: SpeculationLayers = { inputLookup: true, structural: true, modelDrafters: true };

export interface EngineLogger {
  debug(message: string): void;
  warn(message: string): void;
}

export interface SpeculativeEngineOptions extends PromptOptions {
  verifier: GreedyVerifier;
  drafters?: readonly CandidateDrafter[];
  mode?: VerifyMode;
  rankThreshold?: number;
  /** Most tokens the verifier writes for one scope. */
  maxOutputTokens?: number;
  /** The verifier's prompt format (verifier/model-prompt.ts); auto: chat for a model file with a chat template. */
  promptFormat?: PromptFormatSetting;
  /**
   * Exact mode normally starts the verifier at once and adds drafter
   * candidates as they arrive; true waits for every drafter first (slower
   * wall time, but the drafters do not share a CPU core with the verifier).
   */
  waitForDrafters?: boolean;
  /** After a refuted draft, propose again only on a match of this many output tokens (1: always propose). */
  minMatchAfterMiss?: number;
  /** Also look up the output's own earlier tokens (default true). */
  selfLookup?: boolean;
  logger?: EngineLogger;
  /** Per-kind drafter choice from acceptance statistics, and the accepted-edit log (engine/learning/). */
  learning?: EngineLearning;
  /** Releases what the engine was built on (model contexts, the drafter pool), after the verifier. */
  onDispose?: () => Promise<void>;
}

/** One edit's outcome with what led to it: the benchmark and the tests read the trace. */
export interface EngineRun {
  outcome: EditOutcome;
  scope?: EditScope;
  prompt?: string;
  candidates: CandidateReport[];
  /** The verifier's decode (exact or rank mode), when it ran. */
  verified?: VerifyResult;
}

const PROGRESS_INTERVAL_MS = 100;
const DEFAULT_MIN_MATCH_AFTER_MISS = 3;

export class SpeculativeEngine implements ModelEngine {
  private readonly verifier: GreedyVerifier;
  private readonly maxOutputTokens: number;
  /** The format the verifier is prompted in. */
  readonly promptFormat: PromptFormatName;
  private verifierQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SpeculativeEngineOptions) {
    this.verifier = options.verifier;
    this.maxOutputTokens = options.maxOutputTokens ?? 1024;
    this.promptFormat = promptFormatFor(this.verifier.model, options.promptFormat);
  }

  async computeEdit(task: EditTask, context: EditContext): Promise<EditOutcome> {
    return (await this.run(task, context)).outcome;
  }

  /** computeEdit with its trace, and a choice of layers. */
  /**
   * `verifyLoop`: every kind goes through the drafters and the verify loop,
   * as instructions and loop rewrites always do; the benchmark measures that
   * loop on extract and fix prompts too, which the server answers
   * structurally when it can.
   */
  async run(task: EditTask, context: EditContext, layers: SpeculationLayers = ALL_LAYERS, verifyLoop = false): Promise<EngineRun> {
    const started = performance.now();
    if (context.signal.aborted) return { outcome: { status: 'cancelled' }, candidates: [] };
    const prepared = this.prepare(task, context.workspace);
    if (!prepared.ok) return { outcome: { status: 'unavailable', reason: prepared.reason }, candidates: [] };
    const run = new EditRun(this, task, prepared.edit, context, layers, started);
    const traced = await (verifyLoop ? run.rewrite()
      : task.kind === 'extract' ? extractNamedByModels(this, task, prepared.edit, context, layers, started)
      : task.kind === 'rename' && !task.args.newName ? run.suggestName() : task.kind === 'fix' ? run.fix() : run.rewrite());
    const tokenize = (text: string) => this.verifier.model.tokenize(text);
    this.options.learning?.observe({ task, parts: prepared.edit.parts, run: traced, drafters: this.options.drafters ?? [], tokenize });
    return traced;
  }

  /** The edit's prompts as this engine asks them (the verifier's in its format): what a baseline decodes for comparison. */
  prepare(task: EditTask, workspace?: EditContext['workspace']): Prepared {
    const countTokens = (text: string) => this.verifier.model.tokenize(text).length;
    const verifierPrompt = (input: Parameters<typeof modelPrompt>[2]) => modelPrompt(this.verifier.model, this.promptFormat, input);
    return prepareEdit(task, { countTokens, ...this.options, verifierPrompt }, workspace);
  }

  async dispose(): Promise<void> {
    await this.verifier.dispose();
    await this.options.onDispose?.();
  }

  /** @internal for EditRun */
  get settings() {
    return { options: this.options, verifier: this.verifier, maxOutputTokens: this.maxOutputTokens };
  }

  /**
   * Runs verifier work one request at a time. llama.cpp's results depend on
   * how sequences share a batch and the KV cache, so two verifications
   * decoding side by side can flip a near-tie and leave the plain greedy
   * decode (seen in the benchmark's multi-file tasks). One CPU thread gains
   * little from running them together anyway. A request that is cancelled
   * while it waits returns at once when its turn comes.
   */
  oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const result = this.verifierQueue.then(work);
    this.verifierQueue = result.catch(() => undefined);
    return result;
  }

  /**
   * Layer 1's `structural` candidates and the drafters' candidates for one
   * request of `kind`, each kept only when `checker` passes it; the drafters
   * write for the edit's prompt, at most about half the scope's length in
   * tokens plus some. Reported in progress and logged.
   */
  async draftCandidates(
    kind: EditKind,
    edit: PreparedEdit,
    checker: SpliceChecker,
    context: Pick<EditContext, 'signal' | 'progress'>,
    layers: SpeculationLayers,
    structural: TextCandidate[] = [],
    onKept?: (candidate: TextCandidate) => void,
  ): Promise<GatheredCandidates> {
    const drafters = layers.modelDrafters ? this.draftersFor(kind) : [];
    if (drafters.length > 0) context.progress?.(`drafting: ${drafters.length} drafter${drafters.length === 1 ? '' : 's'}`);
    const maxTokens = Math.min(this.maxOutputTokens, Math.ceil(edit.scope.text.length / 2) + 64);
    const draft = { prompt: edit.prompt, maxTokens, stop: [END_MARKER], edit: { parts: edit.parts, indent: edit.indent } };
    const gathered = await gatherCandidates({ structural, drafters, draft, checker, signal: context.signal, onKept });
    const logger = this.options.logger;
    for (const r of gathered.reports) logger?.debug(`candidate ${r.name} (${r.layer}, ${r.ms.toFixed(0)} ms): ${r.status}${r.reason ? `: ${r.reason}` : ''}`);
    return gathered;
  }

  /** The drafters for one request of `kind` (learning may skip some; call once per request). */
  draftersFor(kind: EditKind): CandidateDrafter[] {
    const drafters = (this.options.drafters ?? []).filter((d) => d.kinds.includes(kind));
    return this.options.learning ? this.options.learning.select(kind, drafters) : drafters;
  }
}

/** The state of one request through the layers. */
class EditRun {
  private readonly checker: SpliceChecker;
  private reports: CandidateReport[] = [];

  constructor(
    private readonly engine: SpeculativeEngine,
    private readonly task: EditTask,
    private readonly edit: PreparedEdit,
    private readonly context: EditContext,
    private readonly layers: SpeculationLayers,
    private readonly started: number,
  ) {
    this.checker = new SpliceChecker(task.document.languageId, task.document.text, edit.scope.range, syntaxProblems(edit.syntax.tree), { requireClean: task.kind === 'fix' });
  }

  private get scope(): EditScope {
    return this.edit.scope;
  }

  /** extract, optimizeLoop, fix, instruction, and rename to a given name: the verifier writes the scope. */
  rewrite(): Promise<EngineRun> {
    const { mode, waitForDrafters } = this.engine.settings.options;
    return mode === 'rank' || waitForDrafters ? this.rewriteAfterDrafting() : this.rewriteWhileDrafting();
  }

  /**
   * Exact mode: the verifier starts at once with the original scope and the
   * structural candidates as lookup sources; each drafter candidate joins the
   * sources when it arrives and passes the syntax check. Drafts still running
   * when the output is complete are cancelled: they could no longer help.
   */
  private async rewriteWhileDrafting(): Promise<EngineRun> {
    const tokenize = (text: string) => this.engine.settings.verifier.model.tokenize(text);
    const { verifier } = this.edit;
    const sources = new InputLookupDrafter(this.layers.inputLookup ? [candidateSource('original', verifier.completion(this.scope.text), tokenize)] : []);
    const drafting = new AbortController();
    const stopDrafting = () => drafting.abort();
    this.context.signal.addEventListener('abort', stopDrafting, { once: true });
    try {
      const gathering = this.gather(this.task.kind, this.layers.structural ? this.structuralCandidates() : [], drafting.signal, (candidate) =>
        sources.addSource(candidateSource(candidate.name, verifier.completion(candidate.text), tokenize)),
      );
      const { minMatchAfterMiss, selfLookup } = this.engine.settings.options;
      const drafter = new ConfidentLookupDrafter(sources, { minMatch: minMatchAfterMiss ?? DEFAULT_MIN_MATCH_AFTER_MISS, selfLookup: selfLookup ?? true });
      const outcome = await this.verify({ references: [], drafters: [drafter], mode: 'exact' });
      drafting.abort();
      await gathering;
      if (outcome.status !== 'ok') return this.end(outcome.status === 'cancelled' ? { status: 'cancelled' } : outcome);
      return this.finishRewrite(outcome.result);
    } finally {
      drafting.abort(); // also when the verifier threw: no draft outlives its request
      this.context.signal.removeEventListener('abort', stopDrafting);
    }
  }

  /** Rank mode (and on request): every candidate first, then the verifier; rank mode needs the whole field. */
  private async rewriteAfterDrafting(): Promise<EngineRun> {
    const gathered = await this.gather(this.task.kind, this.layers.structural ? this.structuralCandidates() : [], this.context.signal);
    if (gathered.cancelled) return this.cancelled();
    const { mode, rankThreshold } = this.engine.settings.options;
    const { verifier } = this.edit;
    const outcome = await this.verify({
      references: this.layers.inputLookup ? [verifier.completion(this.scope.text)] : [],
      // Rank mode scores a candidate with the stop string appended; exact mode looks up the stop string too.
      candidates: gathered.kept.map((c) => (mode === 'rank' ? verifier.answer(c.text) : verifier.completion(c.text))),
      mode,
      rankThreshold,
    });
    if (outcome.status !== 'ok') return this.end(outcome.status === 'cancelled' ? { status: 'cancelled' } : outcome);
    return this.finishRewrite(outcome.result);
  }

  /**
   * fix: a repair found without a model (engine/fix-edit.ts) when there is
   * one; several are ranked by the verifier (rank mode). With none, the
   * drafters and the exact verify loop rewrite the scope.
   */
  async fix(): Promise<EngineRun> {
    const found = this.layers.structural ? structuralFixes(this.edit.syntax, this.scope.range, this.task.range, this.edit.message ?? '') : [];
    if (found.length === 0) return this.rewrite();
    const repairs = await fewestTypeErrors(found, this.task.document, this.scope, this.context.types, this.context.signal);
    if (this.context.signal.aborted) return this.cancelled();
    if (repairs.length < found.length) this.engine.settings.options.logger?.debug(`fix: ${found.length - repairs.length} of ${found.length} repairs dropped: they add more type errors than the others`);
    const names = repairs.map((r) => r.name);
    if (repairs.length === 1) return this.fixedBy(repairs[0], names, 'structural', structuralStats(0));
    const ranking = await this.engine.oneAtATime(() =>
      this.engine.settings.verifier.rankCandidates(this.edit.verifier.prompt, repairs.map((r) => this.edit.verifier.answer(r.text)), { stop: this.edit.verifier.stop, signal: this.context.signal }),
    );
    if (ranking.status === 'cancelled') return this.cancelled();
    if (ranking.status === 'unavailable') {
      // e.g. the scope is too long for the verifier's context: the repair nearest the diagnostic, unranked.
      this.engine.settings.options.logger?.debug(`fix: repairs not ranked (${ranking.reason}); taking the nearest`);
      return this.fixedBy(repairs[0], names, 'structural', structuralStats(0));
    }
    const order = [...ranking.scores].sort((a, b) => b.agreement - a.agreement);
    this.engine.settings.options.logger?.debug(`fix: ${order.map((o) => `${repairs[o.candidate].name} ${(o.agreement * 100).toFixed(0)}%`).join(', ')}`);
    return this.fixedBy(repairs[order[0].candidate], order.map((o) => repairs[o.candidate].name), 'rank', ranking.stats);
  }

  private fixedBy(repair: FixCandidate, considered: string[], mode: 'structural' | 'rank', stats: EditStats): EngineRun {
    const replacements = minimalReplacements(this.scope.text, repair.text, this.scope.range.start);
    return this.end({
      status: 'ok',
      result: { title: this.title(), mode, edits: [this.fileEdit(replacements)], stats: this.stats(stats), considered },
    });
  }

  /** rename without a name: drafters propose, the verifier ranks, the structural rename applies. */
  async suggestName(): Promise<EngineRun> {
    const { tree } = this.edit.syntax;
    const text = this.task.document.text;
    const located = renameSite(tree, text, this.scope.range, this.task.range.start);
    if (!located.ok) return this.end({ status: 'unavailable', reason: located.reason });
    const site = located.site;
    const gathered = await this.gather('rename', [], this.context.signal);
    if (gathered.cancelled) return this.cancelled();
    const names = gathered.kept.map((c) => nameInCandidate(this.scope.text, c.text, site)).filter((n): n is string => n !== undefined);
    const { candidates, refused } = namedCandidates(tree, text, this.scope.range, this.task.range.start, names);
    for (const r of refused) this.engine.settings.options.logger?.debug(`rename: proposed name \`${r.name}\` refused: ${r.reason}`);
    if (candidates.length === 0) return this.nameByVerifier(site, refused);
    const ranking = await this.engine.oneAtATime(() =>
      this.engine.settings.verifier.rankCandidates(this.edit.verifier.prompt, candidates.map((c) => this.edit.verifier.answer(c.scopeText)), { stop: this.edit.verifier.stop, signal: this.context.signal }),
    );
    if (ranking.status === 'cancelled') return this.cancelled();
    if (ranking.status === 'unavailable') return this.end(ranking);
    const order = ranking.scores.map((s) => ({ candidate: candidates[s.candidate], agreement: s.agreement })).sort((a, b) => b.agreement - a.agreement);
    this.engine.settings.options.logger?.debug(`rename: ${order.map((o) => `${o.candidate.name} ${(o.agreement * 100).toFixed(0)}%`).join(', ')}`);
    return this.renamed(order[0].candidate, order.map((o) => o.candidate.name), 'rank', ranking.stats);
  }

  /**
   * No drafter name: the verifier names it (exact), and the name is applied
   * structurally. A chat model is asked for the name alone (a small one
   * copies a whole scope unchanged but still answers a name); a marker
   * model writes the renamed scope and the name is read off it.
   */
  private async nameByVerifier(site: RenameSite, refused: { name: string; reason: string }[]): Promise<EngineRun> {
    const { verifier } = this.engine.settings;
    let outcome: VerifyOutcome;
    let name: string | undefined;
    if (this.engine.promptFormat === 'chat') {
      const question = namePrompt(verifier.model, { kind: 'rename', oldName: site.oldName }, dedentScope(this.scope.text, this.edit.indent), this.task.document.languageId);
      outcome = await this.engine.oneAtATime(() => verifier.decodePlain({ prompt: question.prompt, stop: question.stop, maxOutputTokens: NAME_TOKENS, signal: this.context.signal }));
      if (outcome.status !== 'ok') return this.end(outcome.status === 'cancelled' ? { status: 'cancelled' } : outcome);
      const answered = outcome.result.stopReason === 'stop' ? question.name(outcome.result.text) : undefined;
      name = answered === site.oldName ? undefined : answered;
    } else {
      outcome = await this.verify({ references: [this.edit.verifier.completion(this.scope.text)], mode: 'exact' });
      if (outcome.status !== 'ok') return this.end(outcome.status === 'cancelled' ? { status: 'cancelled' } : outcome);
      name = nameInCandidate(this.scope.text, this.edit.verifier.edited(outcome.result.text), site);
    }
    const why = refused.length > 0 ? `; drafters proposed ${refused.map((r) => `\`${r.name}\` (${r.reason})`).join(', ')}` : '';
    if (!name) return this.end({ status: 'unavailable', reason: `no usable new name for \`${site.oldName}\` was proposed${why}` }, outcome.result);
    const { candidates, refused: refusedHere } = namedCandidates(this.edit.syntax.tree, this.task.document.text, this.scope.range, this.task.range.start, [name]);
    if (candidates.length === 0) return this.end({ status: 'unavailable', reason: `the proposed name \`${name}\` cannot be used: ${refusedHere[0].reason}` }, outcome.result);
    return this.renamed(candidates[0], [name], 'exact', outcome.result.stats, outcome.result);
  }

  private renamed(best: NamedCandidate, considered: string[], mode: 'rank' | 'exact', stats: EditStats, verified?: VerifyResult): EngineRun {
    const oldName = this.edit.oldName ?? '';
    return this.end(
      {
        status: 'ok',
        result: {
          title: `Rename \`${oldName}\` to \`${best.name}\` (${best.replacements.length} occurrences)`,
          mode,
          edits: [this.fileEdit(best.replacements)],
          stats: this.stats(stats),
          considered,
        },
      },
      verified,
    );
  }

  private async gather(kind: EditKind, structural: TextCandidate[], signal: AbortSignal, onKept?: (candidate: TextCandidate) => void): Promise<GatheredCandidates> {
    const gathered = await this.engine.draftCandidates(kind, this.edit, this.checker, { signal, progress: this.context.progress }, this.layers, structural, onKept);
    this.reports = gathered.reports;
    return gathered;
  }

  private structuralCandidates(): TextCandidate[] {
    const { task, scope } = this;
    const text = task.document.text;
    if (task.kind === 'rename' && task.args.newName) {
      const renamed = renamedScope(this.edit.syntax.tree, text, scope.range, task.range.start, task.args.newName);
      return renamed.ok ? [{ name: 'structural rename', text: renamed.text }] : [];
    }
    if (task.kind === 'fix') return fixCandidates(text, scope.range, task.range, this.edit.message ?? '');
    return [];
  }

  private verify(sources: { references: string[]; candidates?: string[]; drafters?: Drafter[]; mode?: VerifyMode; rankThreshold?: number }): Promise<VerifyOutcome> {
    const { verifier, maxOutputTokens } = this.engine.settings;
    return this.engine.oneAtATime(() =>
      verifier.verify({
        prompt: this.edit.verifier.prompt,
        stop: this.edit.verifier.stop,
        maxOutputTokens,
        signal: this.context.signal,
        onStep: this.progressReporter(),
        ...sources,
      }),
    );
  }

  /** "verifying: N tokens, acceptance P%", at most every PROGRESS_INTERVAL_MS; the percentage assumes an output as long as the scope. */
  private progressReporter(): ((step: VerifyStep) => void) | undefined {
    const progress = this.context.progress;
    if (!progress) return undefined;
    const expected = Math.max(1, this.engine.settings.verifier.model.tokenize(this.scope.text).length);
    let drafted = 0;
    let accepted = 0;
    let last = 0;
    return (step) => {
      drafted += step.proposed;
      accepted += step.accepted;
      const now = performance.now();
      if (now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      const acceptance = drafted === 0 ? 0 : (100 * accepted) / drafted;
      progress(`verifying: ${step.outputTokens} tokens, ${accepted}/${drafted} drafted accepted (${acceptance.toFixed(0)}%)`, Math.min(99, Math.round((100 * step.outputTokens) / expected)));
    };
  }

  private async finishRewrite(result: VerifyResult): Promise<EngineRun> {
    const { scope } = this;
    if (result.stopReason === 'budget') {
      return this.end({ status: 'unavailable', reason: `the verifier did not finish the edit within ${result.tokens.length} tokens; raise maxOutputTokens or select a smaller scope` }, result);
    }
    const edited = this.edit.verifier.edited(result.text);
    if (edited === scope.text) return this.end({ status: 'unavailable', reason: `the model left the ${scope.unit} unchanged` }, result);
    const verdict = this.checker.check(edited);
    if (!verdict.ok) {
      const what = this.checker.mustClean ? 'does not fix the syntax error' : 'would add a syntax error';
      return this.end({ status: 'unavailable', reason: `the model's edit ${what} (${verdict.reason}); nothing was changed` }, result);
    }
    const whole = this.wholeRename(edited);
    if (whole === 'partial') {
      return this.end({ status: 'unavailable', reason: `the verifier's rename of the ${scope.unit} differs from the structural rename and the name is also used outside it; nothing was changed` }, result);
    }
    const replacements = whole ?? minimalReplacements(scope.text, edited, scope.range.start);
    const typeErrors = await this.typeErrorsAdded(replacements);
    if (this.context.signal.aborted) return this.end({ status: 'cancelled' }, result);
    if (typeErrors) return this.end({ status: 'unavailable', reason: `the model's edit would add ${typeErrors}; nothing was changed` }, result);
    const outcome: EditOutcome = {
      status: 'ok',
      result: { title: this.title(), mode: result.mode, edits: [this.fileEdit(replacements)], stats: this.stats(result.stats) },
    };
    return this.end(outcome, result);
  }

  /**
   * A loop rewrite or a fix must not add type errors (a model may write a
   * name that does not exist: it parses, but it is not the same program).
   * The checker's new errors, described, or undefined when there are none
   * or no checker. Instructions may mean to change what the code says, so
   * their edits are not held to this. A question the checker cut short
   * (its time budget, the edit's) counts as no checker: the edit passed the
   * verifier and the syntax check, and refusing it because a big file takes
   * long to check would turn the kind off there. The event loop runs
   * before each question, so a cancellation or an edit arriving meanwhile
   * is seen first.
   */
  private async typeErrorsAdded(replacements: TextReplacement[]): Promise<string | undefined> {
    const { task } = this;
    const { types, signal } = this.context;
    if ((task.kind !== 'optimizeLoop' && task.kind !== 'fix') || !types?.problemsIn) return undefined;
    const edited = applyReplacements(task.document.text, replacements);
    const ask = async (text?: string) => {
      await new Promise((resolve) => setImmediate(resolve));
      return signal.aborted ? undefined : types.problemsIn?.(task.document, text, { signal });
    };
    const before = await ask();
    const after = before && (await ask(edited));
    if (!before || !after) return undefined;
    const added = problemsAdded(before, after);
    if (added.length === 0) return undefined;
    const first = added[0];
    const more = added.length > 1 ? ` and ${added.length - 1} more` : '';
    return `type error${added.length > 1 ? 's' : ''}: "${firstLine(first.message)}" (TS${first.code}) at line ${lineOf(edited, first.offset)}${more}`;
  }

  /**
   * A verified rename to a given name covers only the scope. When the
   * verifier wrote exactly the structural rename of the scope, the rename is
   * applied to every occurrence in the file; when it wrote something else
   * and the name lives on outside the scope, its edit would be half a rename
   * ('partial'); otherwise its own edit stands (undefined).
   */
  private wholeRename(edited: string): TextReplacement[] | 'partial' | undefined {
    const { task, scope } = this;
    if (task.kind !== 'rename' || !task.args.newName) return undefined;
    const renamed = renamedScope(this.edit.syntax.tree, task.document.text, scope.range, task.range.start, task.args.newName);
    if (!renamed.ok) return undefined;
    if (renamed.text === edited) return renamed.replacements;
    return renamed.replacements.some((r) => r.start < scope.range.start || r.end > scope.range.end) ? 'partial' : undefined;
  }

  private title(): string {
    const { task } = this;
    switch (task.kind) {
      case 'extract':
        return `Extract function \`${task.args.newName ?? DEFAULT_EXTRACTED_NAME}\``;
      case 'optimizeLoop':
        return 'Optimize loop';
      case 'fix':
        return `Fix: ${firstLine(this.edit.message ?? '')}`;
      case 'instruction':
        return `Edit: ${firstLine(task.args.instruction ?? '')}`;
      case 'rename':
        return `Rename \`${this.edit.oldName}\` to \`${task.args.newName}\``;
    }
  }

  private fileEdit(replacements: TextReplacement[]): FileEdit {
    return { uri: this.task.document.uri, version: this.task.document.version, replacements };
  }

  private stats(stats: EditStats): EditStats {
    return { ...stats, wallMs: performance.now() - this.started };
  }

  private cancelled(): EngineRun {
    return this.end({ status: 'cancelled' });
  }

  private end(outcome: EditOutcome, verified?: VerifyResult): EngineRun {
    return { outcome, scope: this.scope, prompt: this.edit.prompt, candidates: this.reports, verified };
  }
}

