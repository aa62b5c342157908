/**
 * The eval loop shared by `make eval` (eval/run-eval.ts, the built server
 * over stdio) and the CI sample (tests/eval/eval.test.ts, the server in
 * process): oracles and tasks per project, then kind by kind every task
 * through one server session per project, the results file rewritten as it
 * goes (a long run cut short leaves valid partial results).
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { LspTestClient } from '../tools/lsp-client.js';
import { PRETRAINED_VERIFIER, pretrainedVerifierPath } from '../engine/shipped-models.js';
import { describeDiagnostic, Oracle } from './oracle.js';
import { LspSession, SERVER_SETTINGS } from './lsp-session.js';
import { runTask, type TaskResult } from './judge.js';
import { displayPath, loadExternalProject, loadProjects, type EvalProject, type ProjectName } from './projects.js';
import { checkTargets, summarize, table, targetLines, writeJson, type KindSummary, type Target } from './report.js';
import { generateTasks, TASK_KINDS, type EvalTask, type KindLimits, type TaskKind } from './tasks.js';

export interface EvalOptions {
  repoRoot: string;
  projects?: readonly ProjectName[];
  /** Outside projects (folders with a tsconfig.json); with these and no `projects`, only these. */
  projectDirs?: readonly string[];
  kinds?: readonly TaskKind[];
  limits: KindLimits;
  /** Narrows the generated tasks (the CI sample picks named ones). */
  select?: (tasks: EvalTask[]) => EvalTask[];
  /** A fresh, not yet initialized client talking to a specedit server. */
  openClient: (project: EvalProject) => LspTestClient;
  /** What initialize sends as processId (null for an in-process server). */
  processId: number | null;
  /** Per LSP request. */
  timeoutMs: number;
  /** Results file; absent: nothing written. */
  out?: string;
  /** How the server runs, for the results file. */
  server: string;
  log?: (line: string) => void;
}

export interface EvalReport {
  generatedAt: string;
  server: string;
  /** initializationOptions of every session. */
  settings: typeof SERVER_SETTINGS;
  limits: KindLimits;
  machine: Record<string, unknown>;
  models: unknown;
  /** Candidates rejected while generating tasks, per kind and reason. */
  generation: Record<string, unknown>;
  byKind: Partial<Record<TaskKind, KindSummary>>;
  targets: Target[];
  /** True while the run is still going (a partial file). */
  partial: boolean;
  tasks: TaskResult[];
}

export async function runEval(options: EvalOptions): Promise<EvalReport> {
  const log = options.log ?? (() => undefined);
  const external = (options.projectDirs ?? []).map((d) => loadExternalProject(d));
  const fixtures = external.length > 0 && !options.projects ? [] : loadProjects(options.repoRoot, options.projects);
  const projects = [...fixtures, ...external];
  const names = projects.map((p) => p.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`two projects are named ${twice}; give folders with different names`);
  const oracles = new Map(projects.map((p) => [p.name, new Oracle(p)] as const));
  const baselines = new Map<string, number>();
  for (const p of projects) baselines.set(p.name, baselineOf(oracles.get(p.name)!, log));

  const started = performance.now();
  const generated = generateTasks(projects, oracles, options.kinds ?? TASK_KINDS, options.limits);
  const { rejected } = generated;
  const tasks = options.select ? options.select(generated.tasks) : generated.tasks;
  log(`${tasks.length} tasks from ${projects.map((p) => `${p.name} (${p.files.length} files)`).join(', ')} in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const report: EvalReport = {
    generatedAt: new Date().toISOString(),
    server: options.server,
    settings: SERVER_SETTINGS,
    limits: options.limits,
    machine: machine(),
    models: { shipped: shippedModels(options.repoRoot), defaultVerifier: pretrainedVerifierPath(options.repoRoot) ? PRETRAINED_VERIFIER.file : 'the shipped verifier (SmolLM2 not fetched)' },
    generation: { tasksByKind: countBy(tasks, (t) => t.kind), rejected },
    byKind: {},
    targets: [],
    partial: true,
    tasks: [],
  };
  const save = () => {
    report.byKind = summarize(report.tasks);
    report.targets = checkTargets(report.byKind);
    if (options.out) writeJson(options.out, report);
  };

  const sessions = new Map<string, Promise<LspSession>>();
  const session = (p: EvalProject) => {
    let s = sessions.get(p.name);
    if (!s) {
      s = LspSession.start(options.openClient(p), p, { processId: options.processId, timeoutMs: options.timeoutMs });
      sessions.set(p.name, s);
    }
    return s;
  };
  try {
    for (const kind of TASK_KINDS) {
      const ofKind = tasks.filter((t) => t.kind === kind);
      if (ofKind.length === 0) continue;
      log(`${kind}: ${ofKind.length} tasks`);
      for (const [i, task] of ofKind.entries()) {
        const project = projects.find((p) => p.name === task.project)!;
        const result = await runTask(await session(project), oracles.get(project.name)!, task, baselines.get(project.name)!);
        report.tasks.push(result);
        if (result.status !== 'ok' || !result.matchOracle) log(`  ${describe(result)}`);
        if ((i + 1) % 25 === 0) save();
      }
      save();
      log(`${kind}: done, ${JSON.stringify(report.byKind[kind])}`);
    }
  } finally {
    for (const s of sessions.values()) await (await s).dispose().catch(() => undefined);
  }
  report.partial = false;
  save();
  log(`\n${table(report.byKind)}\n\ntargets:\n${targetLines(report.targets)}`);
  return report;
}

/** Every fixture project must type-check cleanly, or "new diagnostics" would mean nothing. */
/** Errors before any task: none for a fixture (else it must be fixed); an outside project's own count, which edits are judged against. */
function baselineOf(oracle: Oracle, log: (line: string) => void): number {
  const diagnostics = oracle.diagnostics();
  for (const e of oracle.project.configErrors) log(`${oracle.project.name}: tsconfig.json: ${e} (ignored)`);
  if (oracle.project.external) {
    if (diagnostics.length > 0) log(`${oracle.project.name}: ${diagnostics.length} errors before any edit; an edit is charged only for errors beyond these`);
    return diagnostics.length;
  }
  if (diagnostics.length > 0) {
    const list = diagnostics.slice(0, 5).map((d) => describeDiagnostic(d, (f) => displayPath(oracle.project, f)));
    throw new Error(`fixture project ${oracle.project.name} does not type-check cleanly (${diagnostics.length} errors); fix the fixture first:\n${list.join('\n')}`);
  }
  return 0;
}

function describe(r: TaskResult): string {
  const verdict = r.status !== 'ok' ? r.status : r.matchOracle ? 'match' : 'differs';
  const extra = [r.reason?.split('\n')[0], ...(r.detail ?? [])].filter(Boolean).join(' | ');
  return `${r.id} ${verdict}${r.ms !== undefined ? ` ${r.ms.toFixed(0)} ms` : ''}${r.newDiagnostics ? ` +${r.newDiagnostics} diagnostics` : ''}${extra ? `: ${extra}` : ''}`;
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

function machine(): Record<string, unknown> {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${platform()} ${release()}`,
    node: process.version,
    loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** The shipped models as models/manifest.json names them (file, size, sha256), or why there are none. */
function shippedModels(repoRoot: string): unknown {
  try {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'models', 'manifest.json'), 'utf8')) as { models?: Array<Record<string, unknown>> };
    return (manifest.models ?? []).map((m) => ({ name: m.name, role: m.role, file: m.file, kinds: m.kinds, sizeBytes: m.sizeBytes, sha256: m.sha256 }));
  } catch (error) {
    return { unavailable: error instanceof Error ? error.message : String(error) };
  }
}

export type { EvalTask };
