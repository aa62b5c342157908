/**
 * Extract function (DESIGN.md "Edit types"): the extraction itself is
 * structural (drafters/structural/extract.ts) and the models only name it.
 * Drafters write the extract edit for the prompt as the models were trained;
 * a name is read off each candidate (the function called where the selection
 * was, else a function it declares), names that are invalid or would clash are
 * refused, and the verifier ranks the structural extraction under each name.
 * A given name needs no model; with no usable model name, or no models at
 * all, a free default (`extracted`, `extracted2`...) is used and the title
 * says so: extraction keeps working without models.
 */
import type { DocumentSnapshot, EditContext, EditOutcome, EditTask } from '../protocol/edit-task.js';
import type { CheckedType, TypeView } from '../protocol/type-view.js';
import { structuralStats, type EditStats } from '../protocol/stats.js';
import { chatIndent, dedentScope } from '../protocol/prompt-format.js';
import { NAME_TOKENS, namePrompt } from '../verifier/model-prompt.js';
import type { OffsetRange } from '../protocol/text.js';
import { SyntaxDocument } from '../syntax/syntax-document.js';
import { syntaxProblems } from '../syntax/diagnostics.js';
import { isValidIdentifier } from '../drafters/structural/identifier-name.js';
import { defaultFunctionName, functionNameProblem, planExtraction, renderExtraction, type ExtractionPlan, type Planned } from '../drafters/structural/extract.js';
import type { CandidateReport } from './candidates.js';
import type { ModelEngine } from './edit-pipeline.js';
import { DEFAULT_EXTRACTED_NAME, type PreparedEdit } from './edit-prompt.js';
import type { EditScope } from './edit-scope.js';
import type { EngineRun, SpeculationLayers, SpeculativeEngine } from './speculative-engine.js';
import { applyInside } from './structural-candidates.js';
import { SpliceChecker } from './syntax-filter.js';

/** Why the default name was used, for the title. */
type DefaultReason = 'no models' | 'models failed' | 'no model name';

const DEFAULT_NAME_NOTES: Record<DefaultReason, string> = {
  'no models': 'default name: the models are not available',
  'models failed': 'default name: the models could not name it',
  'no model name': 'default name: no model proposed a usable one',
};

/**
 * EditPipeline's extract: a given name or no models is structural at once;
 * otherwise the model engine names it, and any failure there (models that do
 * not load, no usable name) falls back to the default name.
 */
export async function extractEdit(task: EditTask, context: EditContext, models: ModelEngine | { unavailable: string }): Promise<EditOutcome> {
  const started = performance.now();
  const planned = planFor(task);
  if (!planned.ok) return { status: 'unavailable', reason: planned.reason };
  const typed = () => withCheckerTypes(planned.plan, task.document, context.types, context.signal);
  if (task.args.newName) return givenName(task, await typed(), task.args.newName, started);
  if ('unavailable' in models) return defaultNamed(task, await typed(), 'no models', started);
  const outcome = await models.computeEdit(task, context);
  return outcome.status === 'unavailable' ? defaultNamed(task, await typed(), 'models failed', started) : outcome;
}

/** SpeculativeEngine's extract: drafters propose names, the verifier ranks the structural extractions (mode `rank`). */
export async function extractNamedByModels(
  engine: SpeculativeEngine,
  task: EditTask,
  edit: PreparedEdit,
  context: EditContext,
  layers: SpeculationLayers,
  started: number,
): Promise<EngineRun> {
  const end = (outcome: EditOutcome, candidates: CandidateReport[] = []): EngineRun => ({ outcome, scope: edit.scope, prompt: edit.prompt, candidates });
  const text = task.document.text;
  const planned = planExtraction(edit.syntax.tree, text, task.range, task.document.languageId);
  if (!planned.ok) return end({ status: 'unavailable', reason: planned.reason });
  const plan = await withCheckerTypes(planned.plan, task.document, context.types, context.signal);
  if (task.args.newName) return end(givenName(task, plan, task.args.newName, started));

  const { options } = engine.settings;
  const checker = new SpliceChecker(task.document.languageId, text, edit.scope.range, syntaxProblems(edit.syntax.tree));
  const gathered = await engine.draftCandidates('extract', edit, checker, context, layers);
  if (gathered.cancelled || context.signal.aborted) return end({ status: 'cancelled' }, gathered.reports);
  const proposed = new Set(gathered.kept.map((c) => nameInExtraction(edit.scope, plan.selection, c.text)).filter((n): n is string => n !== undefined));
  const names: string[] = [];
  for (const name of proposed) {
    const problem = functionNameProblem(plan, name);
    if (problem) options.logger?.debug(`extract: proposed name \`${name}\` refused: ${problem}`);
    else names.push(name);
  }
  if (names.length === 0) {
    const asked = engine.promptFormat === 'chat' ? await nameAskedOfVerifier(engine, task, plan, context.signal) : undefined;
    if (asked === 'cancelled') return end({ status: 'cancelled' }, gathered.reports);
    if (asked) return end(extracted(task, plan, asked.name, { mode: 'exact', considered: [asked.name], stats: { ...asked.stats, wallMs: performance.now() - started } }), gathered.reports);
    return end(defaultNamed(task, plan, 'no model name', started), gathered.reports);
  }

  const extractions = names.map((name) => renderExtraction(plan, name));
  const ranking = await engine.oneAtATime(() =>
    engine.settings.verifier.rankCandidates(edit.verifier.prompt, extractions.map((e) => edit.verifier.answer(rankedText(text, edit.scope, e))), { stop: edit.verifier.stop, signal: context.signal }),
  );
  if (ranking.status === 'cancelled') return end({ status: 'cancelled' }, gathered.reports);
  if (ranking.status === 'unavailable') return end(defaultNamed(task, plan, 'no model name', started), gathered.reports);
  const order = ranking.scores.map((s) => ({ name: names[s.candidate], agreement: s.agreement })).sort((a, b) => b.agreement - a.agreement);
  options.logger?.debug(`extract: ${order.map((o) => `${o.name} ${(o.agreement * 100).toFixed(0)}%`).join(', ')}`);
  const best = order[0].name;
  const outcome = extracted(task, plan, best, { mode: 'rank', considered: order.map((o) => o.name), stats: { ...ranking.stats, wallMs: performance.now() - started } });
  return end(outcome, gathered.reports);
}

/**
 * No drafter named the function: a chat verifier is asked for a name for the
 * selection alone (its plain greedy answer, exact). A PascalCase answer is
 * made camelCase; a name that would clash, or none, is undefined.
 */
async function nameAskedOfVerifier(engine: SpeculativeEngine, task: EditTask, plan: ExtractionPlan, signal: AbortSignal): Promise<{ name: string; stats: EditStats } | 'cancelled' | undefined> {
  const { verifier, options } = engine.settings;
  const text = task.document.text;
  const selection = text.slice(plan.selection.start, plan.selection.end);
  const code = dedentScope(selection, chatIndent(text, plan.selection.start, selection));
  const question = namePrompt(verifier.model, { kind: 'extract' }, code, task.document.languageId);
  const outcome = await engine.oneAtATime(() => verifier.decodePlain({ prompt: question.prompt, stop: question.stop, maxOutputTokens: NAME_TOKENS, signal }));
  if (outcome.status === 'cancelled') return 'cancelled';
  if (outcome.status !== 'ok' || outcome.result.stopReason !== 'stop') return undefined;
  const answered = question.name(outcome.result.text);
  const name = answered && /^[A-Z][a-z]/.test(answered) ? answered[0].toLowerCase() + answered.slice(1) : answered;
  const problem = name === undefined ? 'no name in the answer' : functionNameProblem(plan, name);
  if (problem) {
    options.logger?.debug(`extract: the verifier's name ${JSON.stringify(outcome.result.text)} refused: ${problem}`);
    return undefined;
  }
  return { name: name!, stats: outcome.result.stats };
}

/**
 * The name a drafter's candidate gives the new function: the function called
 * where the selection was (the candidate unchanged before it), else the first
 * function it declares that the original does not. A name the original scope
 * already uses is no new function's name (an unchanged first statement `f(x)`).
 */
export function nameInExtraction(scope: EditScope, selection: OffsetRange, candidate: string): string | undefined {
  const before = scope.text.slice(0, selection.start - scope.range.start);
  const isNew = (name: string | undefined): name is string => name !== undefined && isValidIdentifier(name) && !new RegExp(`(?<![\\p{ID_Continue}$])${escapeRegExp(name)}(?![\\p{ID_Continue}$])`, 'u').test(scope.text);
  if (candidate.startsWith(before)) {
    const called = CALL_AT_SELECTION.exec(candidate.slice(before.length))?.[1];
    if (isNew(called)) return called;
  }
  for (const match of candidate.matchAll(DECLARED_FUNCTION)) if (isNew(match[1])) return match[1];
  return undefined;
}

const IDENTIFIER = '[\\p{ID_Start}$_][\\p{ID_Continue}$\\u200c\\u200d]*';
/** `f(`, `x = f(`, `const {a, b} = await f(`, `return this.f(`, `let a;\n({a} = f(`... at the start of the text. */
const CALL_AT_SELECTION = new RegExp(
  `^(?:(?:const|let|var)\\s+[^;=\\n]*;\\s*)?(?:(?:const|let|var)\\s+)?(?:\\(?\\s*(?:\\{[^}]*\\}|\\[[^\\]]*\\]|${IDENTIFIER})(?:\\s*:[^=]+)?\\s*=\\s*)?(?:return\\s+)?(?:await\\s+)?(?:this\\.)?(${IDENTIFIER})\\s*[(<]`,
  'u',
);
const DECLARED_FUNCTION = new RegExp(`function\\*?\\s+(${IDENTIFIER})\\s*[(<]`, 'gu');

/** What the verifier scores: the scope as the extraction leaves it, with the new function after it when it goes outside the scope. */
function rankedText(text: string, scope: EditScope, extraction: ReturnType<typeof renderExtraction>): string {
  const inside = applyInside(text, scope.range, extraction.replacements);
  const outside = extraction.replacements.some((r) => r.start < scope.range.start || r.end > scope.range.end);
  return outside ? `${inside}\n\n${extraction.functionText}` : inside;
}

/**
 * The plan with the type checker's parameter types where it has them: the
 * type of each parameter's value at its first use in the selection (narrowed
 * as the caller passes it), or the variable's declared type when the
 * selection assigns it; type parameters of the enclosing declarations those
 * types name become the function's. Parameters it cannot type keep the
 * syntactic type. A question that stopped while the program was still
 * being read (a big project's first question) is asked again, with the
 * event loop let in between, while the edit's budget for type questions
 * lasts: each question goes on reading where the last one stopped. No
 * checker or no answer from it (JavaScript, a failure, the budget spent,
 * `signal` aborted) keeps the plan as it is; a later edit goes on reading.
 */
export async function withCheckerTypes(plan: ExtractionPlan, document: DocumentSnapshot, types: TypeView | undefined, signal: AbortSignal): Promise<ExtractionPlan> {
  if (!types || plan.parameters.length === 0 || !TYPED_LANGUAGES.has(document.languageId)) return plan;
  const queries = plan.parameters.map((p) => ({ offset: p.firstUse, declared: p.assigned }));
  let answers: Map<number, CheckedType> | undefined;
  for (let building = true; building && !answers && !signal.aborted; ) {
    building = false;
    try {
      answers = types.typesAt(document, queries, { signal, onBuilding: () => (building = true) });
    } catch {
      return plan; // the TypeView logs its own failures; the syntactic types stay
    }
    if (building) await new Promise((resolve) => setImmediate(resolve));
  }
  if (!answers || answers.size === 0) return plan;
  const typeParameters = new Map((plan.typeParameters ?? []).map((t) => [t.name, t]));
  const parameters = plan.parameters.map((p) => {
    const answer = answers.get(p.firstUse);
    // Two enclosing type parameters of one name cannot both be the function's: keep the syntactic type.
    if (!answer || answer.typeParameters.some((t) => (typeParameters.get(t.name)?.offset ?? t.offset) !== t.offset)) return p;
    for (const t of answer.typeParameters) typeParameters.set(t.name, t);
    return { ...p, type: answer.text };
  });
  return { ...plan, parameters, typeParameters: [...typeParameters.values()].sort((a, b) => a.offset - b.offset) };
}

const TYPED_LANGUAGES: ReadonlySet<string> = new Set(['typescript', 'typescriptreact']);

function planFor(task: EditTask): Planned {
  const { tree } = new SyntaxDocument(task.document.languageId, task.document.text);
  return planExtraction(tree, task.document.text, task.range, task.document.languageId);
}

function givenName(task: EditTask, plan: ExtractionPlan, name: string, started: number): EditOutcome {
  const problem = functionNameProblem(plan, name);
  if (problem) return { status: 'unavailable', reason: `cannot name the function \`${name}\`: ${problem}` };
  return extracted(task, plan, name, { mode: 'structural', stats: structuralStats(performance.now() - started) });
}

function defaultNamed(task: EditTask, plan: ExtractionPlan, why: DefaultReason, started: number): EditOutcome {
  const name = defaultFunctionName(plan, DEFAULT_EXTRACTED_NAME);
  return extracted(task, plan, name, { mode: 'structural', considered: [name], stats: structuralStats(performance.now() - started), note: DEFAULT_NAME_NOTES[why] });
}

function extracted(
  task: EditTask,
  plan: ExtractionPlan,
  name: string,
  how: { mode: 'structural' | 'rank' | 'exact'; stats: EditStats; considered?: string[]; note?: string },
): EditOutcome {
  const extraction = renderExtraction(plan, name);
  return {
    status: 'ok',
    result: {
      title: extractTitle(name, extraction.parameters.length, extraction.returns, how.note),
      mode: how.mode,
      edits: [{ uri: task.document.uri, version: task.document.version, replacements: extraction.replacements }],
      stats: how.stats,
      ...(how.considered ? { considered: how.considered } : {}),
    },
  };
}

/** "Extract function `total` (2 parameters, returns `sum`)". */
export function extractTitle(name: string, parameters: number, returns: readonly string[], note?: string): string {
  const counted = parameters === 0 ? 'no parameters' : `${parameters} parameter${parameters === 1 ? '' : 's'}`;
  const returned = returns.length === 0 ? '' : `, returns ${returns.map((r) => `\`${r}\``).join(', ')}`;
  return `Extract function \`${name}\` (${counted}${returned}${note ? `; ${note}` : ''})`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
