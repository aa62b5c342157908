/**
 * `make bench-edits`: how much faster specedit writes an edit than the same
 * verifier alone, on the fixture edit suite (bench/tasks/ over fixtures/bench/).
 * One process, the same loaded models for every variant, variants alternating
 * per task (the order rotates, so no variant always runs warm or cold):
 *   baseline  plain greedy decoding of the verifier (one token per call)
 *   peerPlain node-llama-cpp's own plain decoding (sequence.evaluate, no predictor)
 *   peer      node-llama-cpp's InputLookupTokenPredictor on the same prompt, uncapped (predictions up to the budget)
 *   lookup    specedit, input lookup only (layer 0)
 *   drafters  specedit, drafter candidates only (layers 2-3), every drafter model given
 *   all       specedit, every layer, as the server runs it: drafter models that the
 *             engine's size rule leaves out (model-loader.ts) are left out here too
 *   allForced every layer with every drafter model; run only when the rule left one out
 * Every run starts from an empty KV cache and includes building the prompt.
 * Then llama-server (bench/llama-server-peer.ts), when `make llama-server` built it (--llama-server
 * auto|off|required; the bench never builds it): the same GGUF, prompt tokens, budgets and stop strings,
 * 1 thread, 1 slot, one server per configuration (plain, ngram-simple, ngram-map-k, ngram-mod,
 * draft-simple with drafters sharing the verifier's vocabulary); summary.peers and summary.ratioToBestPeer.
 * Plus the ceiling: one batch of K tokens against K single steps, K = 1..32.
 * Writes bench/results/latest.json after every task (a partial run leaves a
 * valid file) and latest.svg, and prints a table.
 *
 *   node dist/bench/edit-speed.js [--verifier V.gguf] [--drafter NAME=D.gguf[:kind,kind]]...
 *     [--tiny-models] [--only ID] [--limit N] [--out FILE] [--threads 1] [--context-size 2048]
 *     [--max-output-tokens 1024] [--max-draft-tokens 16] [--context-chars N] [--kv-cache F32|F16]
 *     [--peer-prediction-max unlimited] [--llama-server auto|off|required] [--min-match-after-miss 3] [--ceiling-reps 15] [--max-k 32] [--cpu]
 * Without --verifier the models come from models/manifest.json; --pretrained
 * verifies with SmolLM2-135M-Instruct (`make smollm2`) and drafts with the
 * shipped models, the shipped verifier included, as the server does by
 * default (`make bench-smollm2`); --tiny-models writes random-weight models
 * (speeds only, labelled as such in the output). The verifier is prompted in
 * its format (--prompt-format auto|chat|markers, as the setting).
 * A task's edit is usable when every scope's result finished before the
 * budget, changed the code and parses (the engine's checks, without a type
 * checker); the summary gives the speed-up over usable edits apart.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readGgufFileInfo } from 'node-llama-cpp';
import { ModelDrafterPool } from '../drafters/model-drafter-pool.js';
import { poolDrafters, type CandidateDrafter } from '../engine/candidates.js';
import { drafterTooSlow, SHIPPED_VERIFIER_DRAFTER } from '../engine/model-loader.js';
import { probeModelFile } from '../verifier/model-probe.js';
import { prepareEdit, type PreparedEdit, type PromptOptions } from '../engine/edit-prompt.js';
import { PRETRAINED_VERIFIER, pretrainedVerifierPath, readShippedModels, projectRoot } from '../engine/shipped-models.js';
import { modelPrompt, promptFormatFor, type PromptFormatSetting } from '../verifier/model-prompt.js';
import { SpeculativeEngine, type SpeculationLayers } from '../engine/speculative-engine.js';
import { EDIT_KINDS, type EditKind } from '../protocol/edit-task.js';
import type { EditStats } from '../protocol/stats.js';
import { promptTokens } from '../verifier/decode-session.js';
import { GreedyVerifier } from '../verifier/greedy-verifier.js';
import { LlamaTargetModel } from '../verifier/llama-target-model.js';
import { writeTinyLlama } from '../tests/helpers/gguf/tiny-llama.js';
import { measureCeiling, type CeilingPoint } from './batch-ceiling.js';
import { loadBenchTasks, type BenchTask } from './edit-tasks.js';
import { peerDecode } from './peer-input-lookup.js';
import { findLlamaServer } from './llama-server.js';
import { runServerPeers, serverPeerConfigs, type ServerPeerResult, type ServerScope } from './llama-server-peer.js';
import { speedChart } from './speed-chart.js';

const VARIANTS = ['baseline', 'peerPlain', 'peer', 'lookup', 'drafters', 'all', 'allForced'] as const;
type Variant = (typeof VARIANTS)[number];
const LAYERS: Record<'lookup' | 'drafters' | 'all' | 'allForced', SpeculationLayers> = {
  lookup: { inputLookup: true, structural: false, modelDrafters: false },
  drafters: { inputLookup: false, structural: false, modelDrafters: true },
  all: { inputLookup: true, structural: true, modelDrafters: true },
  allForced: { inputLookup: true, structural: true, modelDrafters: true },
};

interface Options {
  verifier?: string;
  drafters: { name: string; path: string; kinds: EditKind[] }[];
  tiny: boolean;
  pretrained: boolean;
  promptFormat: PromptFormatSetting;
  tasksDir: string;
  out: string;
  only?: string;
  limit?: number;
  threads: number;
  contextSize: number;
  maxOutputTokens: number;
  maxDraftTokens: number;
  ceilingReps: number;
  maxK: number;
  /** Longest InputLookupTokenPredictor prediction; undefined: uncapped (the scope's budget). */
  peerPredictionMax?: number;
  /** Run llama-server as the peer: 'auto' when built, 'off', or 'required' (fail when not built). */
  llamaServer: 'auto' | 'off' | 'required';
  gpu: 'auto' | false;
  kvCache: 'F16' | 'F32';
  minMatchAfterMiss?: number;
  contextChars?: number;
  selfLookup: boolean;
}

interface ModelChoice {
  label: string;
  /** Prompt context budget the verifier was trained with, when known (shipped models). */
  contextChars?: number;
  randomWeights: boolean;
  verifier: string;
  drafters: { name: string; path: string; kinds: EditKind[] }[];
  cleanup?: () => void;
}

/** What one variant produced for one scope. */
interface ScopeOutput {
  tokens: number[];
  stopReason: string;
  stats?: EditStats;
  outcome?: string;
  candidates?: string[];
  validated?: number;
  refuted?: number;
}

interface VariantRun {
  ms: number;
  scopes: ScopeOutput[];
}

function parseOptions(root: string): Options {
  const { values } = parseArgs({
    options: {
      verifier: { type: 'string' },
      drafter: { type: 'string', multiple: true, default: [] },
      'tiny-models': { type: 'boolean', default: false },
      pretrained: { type: 'boolean', default: false },
      'prompt-format': { type: 'string', default: 'auto' },
      tasks: { type: 'string', default: join(root, 'bench', 'tasks') },
      out: { type: 'string', default: join(root, 'bench', 'results', 'latest.json') },
      only: { type: 'string' },
      limit: { type: 'string' },
      threads: { type: 'string', default: '1' },
      'context-size': { type: 'string', default: '2048' },
      'max-output-tokens': { type: 'string', default: '1024' },
      'max-draft-tokens': { type: 'string', default: '16' },
      'ceiling-reps': { type: 'string', default: '15' },
      'max-k': { type: 'string', default: '32' },
      'peer-prediction-max': { type: 'string', default: 'unlimited' },
      'llama-server': { type: 'string', default: 'auto' },
      cpu: { type: 'boolean', default: false },
      'kv-cache': { type: 'string', default: 'F32' },
      'min-match-after-miss': { type: 'string' },
      'context-chars': { type: 'string' },
      'no-self-lookup': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    const source = readFileSync(new URL(import.meta.url), 'utf8').split('\n');
    console.log(source.slice(1, source.findIndex((l) => l.startsWith(' */'))).map((l) => l.replace(/^ \*\s?/, '')).join('\n'));
    process.exit(0);
  }
  const int = (name: string, v: string | undefined) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}`);
    return n;
  };
  return {
    verifier: values.verifier,
    drafters: (values.drafter as string[]).map(parseDrafter),
    tiny: values['tiny-models'] as boolean,
    pretrained: values.pretrained as boolean,
    promptFormat: promptFormatSetting(values['prompt-format'] as string),
    tasksDir: resolve(values.tasks as string),
    out: resolve(values.out as string),
    only: values.only,
    limit: values.limit === undefined ? undefined : int('limit', values.limit),
    threads: int('threads', values.threads as string),
    contextSize: int('context-size', values['context-size'] as string),
    maxOutputTokens: int('max-output-tokens', values['max-output-tokens'] as string),
    maxDraftTokens: int('max-draft-tokens', values['max-draft-tokens'] as string),
    ceilingReps: int('ceiling-reps', values['ceiling-reps'] as string),
    maxK: int('max-k', values['max-k'] as string),
    peerPredictionMax: values['peer-prediction-max'] === 'unlimited' ? undefined : int('peer-prediction-max', values['peer-prediction-max'] as string),
    llamaServer: llamaServerSetting(values['llama-server'] as string),
    gpu: values.cpu ? false : 'auto',
    kvCache: kvCacheType(values['kv-cache'] as string),
    selfLookup: !(values['no-self-lookup'] as boolean),
    contextChars: values['context-chars'] === undefined ? undefined : Number(values['context-chars']),
    minMatchAfterMiss: values['min-match-after-miss'] === undefined ? undefined : int('min-match-after-miss', values['min-match-after-miss'] as string),
  };
}

function promptFormatSetting(v: string): PromptFormatSetting {
  if (v !== 'auto' && v !== 'chat' && v !== 'markers') throw new Error(`--prompt-format must be auto, chat or markers, got ${v}`);
  return v;
}

function llamaServerSetting(v: string): Options['llamaServer'] {
  if (v !== 'auto' && v !== 'off' && v !== 'required') throw new Error(`--llama-server must be auto, off or required, got ${v}`);
  return v;
}

function kvCacheType(v: string): 'F16' | 'F32' {
  const upper = v.toUpperCase();
  if (upper !== 'F16' && upper !== 'F32') throw new Error(`--kv-cache must be F16 or F32, got ${v}`);
  return upper;
}

/** `NAME=PATH[:kind,kind]` or just `PATH` (named after the file, every kind). */
function parseDrafter(spec: string): { name: string; path: string; kinds: EditKind[] } {
  const eq = spec.indexOf('=');
  const name = eq > 0 ? spec.slice(0, eq) : basename(spec).replace(/\.gguf$/, '');
  const rest = eq > 0 ? spec.slice(eq + 1) : spec;
  const colon = rest.lastIndexOf(':');
  const kindsPart = colon > 0 && !rest.slice(colon + 1).includes('/') ? rest.slice(colon + 1) : '';
  const path = resolve(kindsPart ? rest.slice(0, colon) : rest);
  const kinds = kindsPart ? kindsPart.split(',') : [...EDIT_KINDS];
  for (const k of kinds) if (!(EDIT_KINDS as readonly string[]).includes(k)) throw new Error(`--drafter ${spec}: unknown edit kind ${k}`);
  return { name, path, kinds: kinds as EditKind[] };
}

function chooseModels(options: Options): ModelChoice {
  if (options.tiny) {
    // Random weights: the pipeline and the speeds are real, the edits are not. Shaped like the shipped ones.
    const verifier = writeTinyLlama({ seed: 11, embedding: 256, heads: 4, layers: 4, feedForward: 512, contextLength: 4096 });
    const drafter = writeTinyLlama({ seed: 12, embedding: 128, heads: 4, layers: 2, feedForward: 256, contextLength: 4096 });
    return {
      label: 'RANDOM-WEIGHT test models (tests/helpers/gguf): speeds and exactness are real, the edits are noise',
      randomWeights: true,
      verifier: verifier.path,
      drafters: [{ name: 'random-drafter', path: drafter.path, kinds: [...EDIT_KINDS] }],
      cleanup: () => {
        verifier.cleanup();
        drafter.cleanup();
      },
    };
  }
  if (options.verifier) return { label: 'models from the command line', randomWeights: false, verifier: resolve(options.verifier), drafters: options.drafters };
  const shipped = readShippedModels();
  if (!shipped.ok) throw new Error(`${shipped.reason}; or name models with --verifier/--drafter, or run with --tiny-models`);
  const verifier = shipped.models.find((m) => m.role === 'verifier');
  if (!verifier) throw new Error(`${shipped.manifestPath} lists no verifier`);
  if (options.pretrained) {
    const path = pretrainedVerifierPath();
    if (!path) throw new Error(`${PRETRAINED_VERIFIER.name} was not fetched (${PRETRAINED_VERIFIER.file}); ${PRETRAINED_VERIFIER.fetch}`);
    const drafters = shipped.models.filter((m) => exists(m.path)).map((m) => ({ name: m.role === 'verifier' ? SHIPPED_VERIFIER_DRAFTER : m.name, path: m.path, kinds: m.kinds }));
    return { label: `${PRETRAINED_VERIFIER.name} verifying, the shipped models drafting (the server's default)`, randomWeights: false, verifier: path, drafters: options.drafters.length > 0 ? options.drafters : drafters };
  }
  const drafters = shipped.models.filter((m) => m.role === 'drafter').filter((m) => {
    if (exists(m.path)) return true;
    console.warn(`drafter ${m.name}: ${m.file} is missing; benchmarking without it`);
    return false;
  });
  return {
    label: 'shipped models (models/manifest.json)',
    randomWeights: false,
    contextChars: verifier.promptContextChars,
    verifier: verifier.path,
    drafters: options.drafters.length > 0 ? options.drafters : drafters.map((m) => ({ name: m.name, path: m.path, kinds: m.kinds })),
  };
}

function exists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

async function describeModel(path: string, root: string) {
  const info = await readGgufFileInfo(path, { readTensorInfo: true, logWarnings: false, sourceType: 'filesystem' });
  const parameters = (info.fullTensorInfo ?? info.tensorInfo ?? []).reduce((n, t) => n + t.dimensions.reduce<number>((a, d) => a * Number(d), 1), 0);
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
  const shown = path.startsWith(root) ? relative(root, path) : basename(path);
  return { file: shown, sizeBytes: statSync(path).size, parameters, sha256 };
}

const geomean = (xs: number[]) => (xs.length === 0 ? 0 : Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

class Bench {
  private readonly ceilingK: number;

  constructor(
    private readonly model: LlamaTargetModel,
    /** Every drafter model given. */
    private readonly drafters: CandidateDrafter[],
    /** Those the server would use (the size rule). */
    private readonly usedDrafters: CandidateDrafter[],
    private readonly options: Options,
  ) {
    this.ceilingK = options.maxK;
  }

  /** Token budget per scope: twice the scope's length and some, so looping models stop the same way in every variant. */
  budget(edit: PreparedEdit): number {
    return Math.min(this.options.maxOutputTokens, 2 * this.model.tokenize(edit.scope.text).length + 32);
  }

  /** The scopes of a multi-file task in turn, as engine/multi-file-edit.ts runs them (concurrent sequences are not exact in llama.cpp). */
  async run(variant: Variant, task: BenchTask, budgets: number[]): Promise<VariantRun> {
    const started = performance.now();
    const scopes: ScopeOutput[] = [];
    for (const [i, edit] of task.edits.entries()) scopes.push(await this.runScope(variant, edit, budgets[i]));
    return { ms: performance.now() - started, scopes };
  }

  private async runScope(variant: Variant, edit: BenchTask['edits'][number], budget: number): Promise<ScopeOutput> {
    if (variant === 'peer' || variant === 'peerPlain') {
      const { prompt, stop } = prepared(edit).verifier;
      const predictionMax = variant === 'peerPlain' ? 0 : Math.min(this.options.peerPredictionMax ?? budget, budget);
      const peer = await peerDecode(this.model, prompt, { stop, maxOutputTokens: budget, predictionMax });
      return { tokens: peer.tokens, stopReason: peer.stopReason, validated: peer.validated, refuted: peer.refuted };
    }
    // A fresh verifier per run: its one sequence starts empty, so no run reuses another's prompt cache.
    const verifier = new GreedyVerifier(this.model, { sequences: 1, maxDraftTokens: this.options.maxDraftTokens, maxOutputTokens: budget });
    if (variant === 'baseline') {
      try {
        const { prompt, stop } = prepared(edit).verifier;
        const outcome = await verifier.decodePlain({ prompt, stop, maxOutputTokens: budget });
        if (outcome.status !== 'ok') throw new Error(`baseline: ${JSON.stringify(outcome)}`);
        return { tokens: outcome.result.tokens, stopReason: outcome.result.stopReason, stats: outcome.result.stats };
      } finally {
        await verifier.dispose();
      }
    }
    const drafters = variant === 'all' ? this.usedDrafters : this.drafters;
    const engine = new SpeculativeEngine({
      verifier,
      drafters,
      maxOutputTokens: budget,
      mode: 'exact',
      minMatchAfterMiss: this.options.minMatchAfterMiss,
      selfLookup: this.options.selfLookup,
      promptFormat: this.options.promptFormat,
      ...promptOptions,
    });
    try {
      // The verify loop on every kind (the server answers extract and most fixes structurally, without it).
      const run = await engine.run(edit, { signal: new AbortController().signal }, LAYERS[variant], true);
      const outcome = run.outcome.status === 'unavailable' ? `unavailable: ${run.outcome.reason}` : run.outcome.status;
      const candidates = run.candidates.map((c) => `${c.name}: ${c.status}${c.reason ? ` (${c.reason})` : ''}`);
      return { tokens: run.verified?.tokens ?? [], stopReason: run.verified?.stopReason ?? 'none', stats: run.verified?.stats, outcome, candidates };
    } finally {
      await engine.dispose();
    }
  }

  async ceiling(tasks: BenchTask[]): Promise<CeilingPoint[]> {
    // The longest prompt of the suite: the ceiling at a realistic context length.
    const edits = tasks.flatMap((t) => t.edits.map((e) => promptTokens(this.model, prepared(e).verifier.prompt)));
    const longest = edits.reduce((a, b) => (b.length > a.length ? b : a));
    const scope = tasks.flatMap((t) => t.edits.map((e) => prepared(e))).reduce((a, b) => (b.scope.text.length > a.scope.text.length ? b : a)).scope.text;
    return measureCeiling(this.model, longest, this.model.tokenize(scope), this.ceilingK, this.options.ceilingReps);
  }
}

/** Prompt options shared by every variant (the engine gets the same). */
let promptOptions: PromptOptions = {};

function prepared(edit: BenchTask['edits'][number]): PreparedEdit {
  const result = prepareEdit(edit, promptOptions);
  if (!result.ok) throw new Error(`${edit.document.uri}: ${result.reason}`);
  return result.edit;
}

interface TaskRecord {
  id: string;
  kind: EditKind;
  outputTokens: number;
  baselineMs: number;
  peerMs: number;
  /** node-llama-cpp's own plain decoding (sequence.evaluate, no predictor). */
  peerPlainMs: number;
  /** The node-llama-cpp peers' outputs are our plain greedy decode, token for token. */
  peerExact: boolean;
  peerPlainExact: boolean;
  lookupMs: number;
  draftersMs: number;
  allMs: number;
  drafted: number;
  accepted: number;
  verifierCalls: number;
  exact: boolean;
  /** Every scope's edit finished before the budget, changed the code and parses (the 'all' run's outcome). */
  usable: boolean;
}

function record(task: BenchTask, runs: Record<Variant, VariantRun>, forced: boolean): { task: TaskRecord; detail: Record<string, unknown> } {
  const base = runs.baseline.scopes;
  const same = (v: Variant) => runs[v].scopes.every((s, i) => s.tokens.length === base[i].tokens.length && s.tokens.every((t, j) => t === base[i].tokens[j]));
  const stat = (v: Variant, key: 'drafted' | 'accepted' | 'verifierCalls') => sum(runs[v].scopes.map((s) => s.stats?.[key] ?? 0));
  const summary = (v: Variant) => ({ ms: round(runs[v].ms), drafted: stat(v, 'drafted'), accepted: stat(v, 'accepted'), verifierCalls: stat(v, 'verifierCalls'), exact: same(v) });
  return {
    task: {
      id: task.id,
      kind: task.kind,
      outputTokens: sum(base.map((s) => s.tokens.length)),
      baselineMs: round(runs.baseline.ms),
      peerMs: round(runs.peer.ms),
      peerPlainMs: round(runs.peerPlain.ms),
      peerExact: same('peer'),
      peerPlainExact: same('peerPlain'),
      lookupMs: round(runs.lookup.ms),
      draftersMs: round(runs.drafters.ms),
      allMs: round(runs.all.ms),
      drafted: stat('all', 'drafted'),
      accepted: stat('all', 'accepted'),
      verifierCalls: stat('all', 'verifierCalls'),
      exact: same('lookup') && same('drafters') && same('all') && (!forced || same('allForced')),
      usable: runs.all.scopes.every((s) => s.outcome === 'ok'),
    },
    detail: {
      id: task.id,
      files: task.files,
      stopReasons: base.map((s) => s.stopReason),
      baselineVerifierCalls: stat('baseline', 'verifierCalls'),
      peerPlain: { ms: round(runs.peerPlain.ms), exact: same('peerPlain') },
      peer: { ms: round(runs.peer.ms), exact: same('peer'), validated: sum(runs.peer.scopes.map((s) => s.validated ?? 0)), refuted: sum(runs.peer.scopes.map((s) => s.refuted ?? 0)) },
      lookup: summary('lookup'),
      drafters: summary('drafters'),
      all: { ...summary('all'), outcomes: runs.all.scopes.map((s) => s.outcome), candidates: runs.all.scopes.map((s) => s.candidates) },
      ...(forced ? { allForced: { ...summary('allForced'), candidates: runs.allForced.scopes.map((s) => s.candidates) } } : {}),
    },
  };
}

function summarize(tasks: TaskRecord[], ceiling: CeilingPoint[], maxDraftTokens: number, forcedMs: number[], serverPeers?: ServerPeerResult[] | string) {
  const best = ceiling.reduce<CeilingPoint | undefined>((b, c) => (!b || c.speedup > b.speedup ? c : b), undefined);
  // A verify step evaluates the last output token and up to maxDraftTokens drafted ones.
  const reachable = ceiling.filter((c) => c.k <= maxDraftTokens + 1).reduce<CeilingPoint | undefined>((b, c) => (!b || c.speedup > b.speedup ? c : b), undefined);
  const speedupVsBaseline = round(geomean(tasks.map((t) => t.baselineMs / t.allMs)), 3);
  const usable = tasks.filter((t) => t.usable);
  return {
    speedupVsBaseline,
    usableEdits: usable.length,
    usableEditRate: round(usable.length / Math.max(1, tasks.length), 3),
    /** All layers over plain greedy, geometric mean over the tasks whose edit is usable (null: none is). */
    speedupOnUsableEdits: usable.length === 0 ? null : round(geomean(usable.map((t) => t.baselineMs / t.allMs)), 3),
    acceptanceOnUsableEdits: usable.length === 0 ? null : round(sum(usable.map((t) => t.accepted)) / Math.max(1, sum(usable.map((t) => t.drafted))), 3),
    speedupVsPeer: round(geomean(tasks.map((t) => t.peerMs / t.allMs)), 3),
    ...peerSummary(tasks, serverPeers),
    acceptance: round(sum(tasks.map((t) => t.accepted)) / Math.max(1, sum(tasks.map((t) => t.drafted))), 3),
    exactRate: round(tasks.filter((t) => t.exact).length / Math.max(1, tasks.length), 3),
    ceiling: {
      bestK: best?.k ?? null,
      best: best ? round(best.speedup, 3) : null,
      fractionOfCeiling: best ? round(speedupVsBaseline / best.speedup, 3) : null,
      /** The best batch the engine's K can reach (maxDraftTokens + 1 tokens), and the fraction of it achieved. */
      withinMaxDraft: reachable ? { k: reachable.k, speedup: round(reachable.speedup, 3), fraction: round(speedupVsBaseline / reachable.speedup, 3) } : null,
      curve: ceiling.map((c) => ({ k: c.k, batchMs: round(c.batchMs, 3), singleStepsMs: round(c.singleStepsMs, 3), speedup: round(c.speedup, 3) })),
    },
    tasks: tasks.length,
    speedupsVsBaseline: {
      peer: round(geomean(tasks.map((t) => t.baselineMs / t.peerMs)), 3),
      peerPlain: round(geomean(tasks.map((t) => t.baselineMs / t.peerPlainMs)), 3),
      lookup: round(geomean(tasks.map((t) => t.baselineMs / t.lookupMs)), 3),
      drafters: round(geomean(tasks.map((t) => t.baselineMs / t.draftersMs)), 3),
      all: speedupVsBaseline,
      ...(forcedMs.length === tasks.length && tasks.length > 0 ? { allForcedDrafters: round(geomean(tasks.map((t, i) => t.baselineMs / forcedMs[i])), 3) } : {}),
    },
  };
}

/**
 * summary.peers: each peer configuration's wall time (sum over the tasks), speed-up over its own plain decoding
 * (ratio of sums) and outputs identical to our plain greedy; summary.ratioToBestPeer: our all-layers speed-up over
 * our plain greedy (ratio of sums) divided by the best llama-server configuration's speed-up over its own plain.
 */
function peerSummary(tasks: TaskRecord[], serverPeers?: ServerPeerResult[] | string) {
  const total = (key: 'baselineMs' | 'allMs' | 'peerMs' | 'peerPlainMs') => sum(tasks.map((t) => t[key]));
  const ours = total('allMs') > 0 ? total('baselineMs') / total('allMs') : 0;
  const nodeLlamaCpp = {
    'node-llama-cpp plain': { wallMs: round(total('peerPlainMs')), speedupOverOwnPlain: 1, identicalTasks: tasks.filter((t) => t.peerPlainExact).length, tasks: tasks.length },
    'node-llama-cpp InputLookupTokenPredictor (uncapped)': {
      wallMs: round(total('peerMs')),
      speedupOverOwnPlain: total('peerMs') > 0 ? round(total('peerPlainMs') / total('peerMs'), 3) : null,
      identicalTasks: tasks.filter((t) => t.peerExact).length,
      tasks: tasks.length,
    },
  };
  if (serverPeers === undefined || typeof serverPeers === 'string') {
    return { oursOverPlainTotal: round(ours, 3), peers: { ...nodeLlamaCpp, llamaServer: serverPeers ?? 'runs after the in-process variants' }, ratioToBestPeer: null };
  }
  const server = Object.fromEntries(
    serverPeers.map((p) => [`llama-server ${p.name}`, p.error ? { error: p.error } : { wallMs: round(p.wallMs), speedupOverOwnPlain: p.speedupOverOwnPlain ?? null, identical: p.identical, scopes: p.scopes, drafted: p.drafted, accepted: p.accepted }]),
  );
  const best = serverPeers.filter((p) => p.name !== 'plain' && p.speedupOverOwnPlain).reduce<ServerPeerResult | undefined>((b, p) => (!b || p.speedupOverOwnPlain! > b.speedupOverOwnPlain! ? p : b), undefined);
  return {
    oursOverPlainTotal: round(ours, 3),
    peers: { ...nodeLlamaCpp, ...server },
    bestPeer: best ? { name: `llama-server ${best.name}`, speedupOverOwnPlain: best.speedupOverOwnPlain } : null,
    ratioToBestPeer: best ? round(ours / best.speedupOverOwnPlain!, 3) : null,
  };
}

/** A scope as llama-server gets it: our verifier's exact prompt tokens, budget and stop strings, and our plain greedy text. */
function serverScope(model: LlamaTargetModel, verifier: PreparedEdit['verifier'], budget: number, baseline: number[]): ServerScope {
  const text = model.detokenize(baseline);
  const cut = Math.min(...verifier.stop.map((s) => text.indexOf(s)).filter((i) => i >= 0), text.length);
  return { prompt: promptTokens(model, verifier.prompt).map(Number), nPredict: budget, stop: [...verifier.stop], expected: text.slice(0, cut) };
}

function writeAtomically(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

function printTable(tasks: TaskRecord[]): void {
  const header = ['task', 'kind', 'out', 'base ms', 'peer', 'lookup', 'drafters', 'all', 'x base', 'x peer', 'accept', 'exact', 'usable'];
  const rows = tasks.map((t) => [
    t.id,
    t.kind,
    String(t.outputTokens),
    t.baselineMs.toFixed(0),
    t.peerMs.toFixed(0),
    t.lookupMs.toFixed(0),
    t.draftersMs.toFixed(0),
    t.allMs.toFixed(0),
    (t.baselineMs / t.allMs).toFixed(2),
    (t.peerMs / t.allMs).toFixed(2),
    t.drafted === 0 ? '-' : `${((100 * t.accepted) / t.drafted).toFixed(0)}%`,
    t.exact ? 'yes' : 'NO',
    t.usable ? 'yes' : 'no',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<void> {
  const root = projectRoot();
  const options = parseOptions(root);
  const choice = chooseModels(options);
  promptOptions = { contextChars: options.contextChars ?? choice.contextChars, workspaceRoot: root };
  let tasks = loadBenchTasks(options.tasksDir, root);
  if (options.only) tasks = tasks.filter((t) => t.id.includes(options.only!));
  if (options.limit) tasks = tasks.slice(0, options.limit);
  if (tasks.length === 0) throw new Error('no task selected');
  console.log(`models: ${choice.label}`);
  const model = await LlamaTargetModel.load({ modelPath: choice.verifier, threads: options.threads, contextSize: options.contextSize, sequences: 4, gpu: options.gpu, kvCacheType: options.kvCache });
  const format = promptFormatFor(model, options.promptFormat);
  promptOptions.verifierPrompt = (input) => modelPrompt(model, format, input);
  console.log(`verifier prompt format: ${format}`);
  // The ceiling first, while nothing else of ours runs (the drafter workers load their models on start).
  console.log('measuring the ceiling (batch of K tokens vs K single steps)...');
  const ceiling = await new Bench(model, [], [], options).ceiling(tasks);
  const best = ceiling.reduce((b, c) => (c.speedup > b.speedup ? c : b));
  console.log(`t(1) = ${ceiling[0].batchMs.toFixed(2)} ms; best K = ${best.k}: t(K) = ${best.batchMs.toFixed(2)} ms, ceiling ${best.speedup.toFixed(2)}x`);
  const pool = choice.drafters.length > 0 ? new ModelDrafterPool(choice.drafters.map((d) => ({ name: d.name, modelPath: d.path, threads: options.threads, contextSize: options.contextSize, gpu: options.gpu }))) : null;
  const drafters = pool ? poolDrafters(pool, new Map(choice.drafters.map((d) => [d.name, d.kinds]))) : [];
  // The server's admission rule: plain decoding speeds measured in a test load, one model at a time.
  const speed = async (path: string) => (await probeModelFile(path, { gpu: options.gpu, threads: options.threads })).tokensPerSecond;
  const verifierSpeed = await speed(choice.verifier);
  const leftOut = new Map<string, string>();
  for (const d of choice.drafters) {
    const why = drafterTooSlow(await speed(d.path), verifierSpeed);
    if (why) leftOut.set(d.name, why);
  }
  const usedDrafters = drafters.filter((d) => !leftOut.has(d.name));
  for (const [name, why] of leftOut) console.log(`drafter ${name}: left out of "all" as the server would leave it out: ${why}; "drafters" and "allForced" use it`);
  const variants = VARIANTS.filter((v) => v !== 'allForced' || leftOut.size > 0);
  try {
    const header = {
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        memoryGiB: round(totalmem() / 2 ** 30),
        platform: `${platform()} ${release()}`,
        node: process.version,
        nodeLlamaCpp: (JSON.parse(readFileSync(join(root, 'node_modules', 'node-llama-cpp', 'package.json'), 'utf8')) as { version: string }).version,
        gpu: model.model.llama.gpu || 'none (CPU)',
        threadsPerContext: options.threads,
        loadAverageAtStart: loadavg().map((l) => round(l, 2)),
        note: 'wall times of one process; other work on the machine (e.g. model training on a core) is visible in the load average',
      },
      models: {
        label: choice.label,
        randomWeights: choice.randomWeights,
        verifier: await describeModel(choice.verifier, root),
        drafters: await Promise.all(choice.drafters.map(async (d) => ({ name: d.name, kinds: d.kinds, ...(await describeModel(d.path, root)) }))),
      },
      config: {
        variants: 'baseline = plain greedy; peerPlain = node-llama-cpp sequence.evaluate without a predictor; peer = node-llama-cpp InputLookupTokenPredictor via sequence.evaluate; lookup/drafters/all = specedit layers; llama-server peers after them',
        peerPredictor: { patternLengthMin: 1, predictionLengthMax: options.peerPredictionMax ?? 'the scope budget (uncapped)' },
        llamaServerPeer: 'same GGUF, our prompt token ids, budgets and stop strings; 1 thread, 1 slot, F32 KV, cache_prompt false; identical = its content equals our plain greedy text cut before the stop string',
        maxDraftTokens: options.maxDraftTokens,
        outputBudget: `min(${options.maxOutputTokens}, 2 x scope tokens + 32) per scope`,
        contextSize: options.contextSize,
        kvCache: options.kvCache,
        promptContextChars: promptOptions.contextChars ?? 'engine default',
        promptFormat: format,
        usable: 'the all-layers run of every scope finished before the budget, changed the code and parses (the engine checks, no type checker)',
        draftersLeftOutOfAll: Object.fromEntries(leftOut),
        ceilingTiming: `minimum of ${options.ceilingReps} runs per K, after 2 warm-up runs, before the drafter workers start`,
      },
    };
    // llama-server as the peer, when built (never built here: `make llama-server`, about 20 minutes on 2 cores).
    const found = options.llamaServer === 'off' ? { missing: 'off (--llama-server off)' } : findLlamaServer();
    if ('missing' in found && options.llamaServer === 'required') throw new Error(found.missing);
    let serverPeers: ServerPeerResult[] | string | undefined = 'missing' in found ? `not run: ${found.missing}` : undefined;
    const serverBinary = 'path' in found ? found.path : undefined;
    console.log(serverBinary ? `llama-server peer: ${serverBinary}` : `llama-server peer ${serverPeers}`);
    const serverScopes: ServerScope[][] = [];
    const svgPath = options.out.replace(/\.json$/, '') + '.svg';
    const records: TaskRecord[] = [];
    const details: Record<string, unknown>[] = [];
    const forcedMs: number[] = [];
    const save = () => {
      writeAtomically(options.out, JSON.stringify({ ...header, tasks: records, summary: summarize(records, ceiling, options.maxDraftTokens, forcedMs, serverPeers), details, complete: records.length === tasks.length }, null, 1) + '\n');
      const chartTasks = records.map((t) => ({ id: t.id, all: t.baselineMs / t.allMs, lookup: t.baselineMs / t.lookupMs, peer: t.baselineMs / t.peerMs }));
      writeAtomically(svgPath, speedChart(`specedit edit speed: ${choice.randomWeights ? 'RANDOM-WEIGHT models' : basename(choice.verifier)} (${records.length} tasks)`, chartTasks, ceiling));
    };
    const bench = new Bench(model, drafters, usedDrafters, options);
    save();
    // Warm-up (not recorded): page in the weights and the drafters' models.
    const warm = tasks[0];
    const warmBudgets = warm.edits.map((e) => bench.budget(prepared(e)));
    await bench.run('baseline', warm, warmBudgets);
    await bench.run('allForced', warm, warmBudgets);
    for (const [i, task] of tasks.entries()) {
      const budgets = task.edits.map((e) => bench.budget(prepared(e)));
      const order = variants.map((_, j) => variants[(i + j) % variants.length]);
      const runs = {} as Record<Variant, VariantRun>;
      for (const variant of order) runs[variant] = await bench.run(variant, task, budgets);
      const { task: rec, detail } = record(task, runs, leftOut.size > 0);
      serverScopes.push(task.edits.map((e, j) => serverScope(model, prepared(e).verifier, budgets[j], runs.baseline.scopes[j].tokens)));
      records.push(rec);
      if (runs.allForced) forcedMs.push(runs.allForced.ms);
      details.push({ ...detail, order, budgets });
      save();
      console.log(
        `[${i + 1}/${tasks.length}] ${task.id}: ${rec.outputTokens} tokens, baseline ${rec.baselineMs.toFixed(0)} ms, node-llama-cpp plain ${rec.peerPlainMs.toFixed(0)}, peer ${rec.peerMs.toFixed(0)}, ` +
          `lookup ${rec.lookupMs.toFixed(0)}, drafters ${rec.draftersMs.toFixed(0)}, all ${rec.allMs.toFixed(0)} (${(rec.baselineMs / rec.allMs).toFixed(2)}x)${rec.exact ? '' : ' NOT EXACT'}`,
      );
    }
    console.log('');
    printTable(records);
    // llama-server last: one server process per configuration, after our in-process variants (nothing of ours runs meanwhile).
    if (typeof serverPeers !== 'string') {
      const { configs, skipped } = await serverPeerConfigs(choice.verifier, choice.drafters);
      for (const s of skipped) console.log(`llama-server ${s}: skipped`);
      serverPeers = await runServerPeers(serverBinary!, choice.verifier, options.contextSize, configs, serverScopes, (l) => console.log(l));
      save();
    }
    const summary = summarize(records, ceiling, options.maxDraftTokens, forcedMs, serverPeers);
    if (summary.ratioToBestPeer !== null) console.log(`our speed-up over our plain greedy ${summary.oursOverPlainTotal}x; best llama-server peer ${summary.bestPeer?.name} ${summary.bestPeer?.speedupOverOwnPlain}x over its plain; ratio ${summary.ratioToBestPeer}`);
    console.log(
      `\nsummary (${choice.label}): all layers ${summary.speedupVsBaseline}x vs plain greedy, ${summary.speedupVsPeer}x vs the peer; ` +
        `acceptance ${(summary.acceptance * 100).toFixed(1)}%; exact ${(summary.exactRate * 100).toFixed(0)}%; ` +
        `usable edits ${summary.usableEdits}/${summary.tasks}${summary.speedupOnUsableEdits === null ? '' : ` (${summary.speedupOnUsableEdits}x on them)`}; ` +
        `ceiling ${summary.ceiling.best}x at K=${summary.ceiling.bestK} (reached ${((summary.ceiling.fractionOfCeiling ?? 0) * 100).toFixed(0)}% of it)` +
        (summary.speedupsVsBaseline.allForcedDrafters ? `; with every drafter model forced in: ${summary.speedupsVsBaseline.allForcedDrafters}x` : ''),
    );
    console.log(`wrote ${relative(process.cwd(), options.out)} and ${relative(process.cwd(), svgPath)}`);
  } finally {
    await pool?.close();
    await model.dispose();
    choice.cleanup?.();
  }
}

await main();
