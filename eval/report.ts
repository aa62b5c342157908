/**
 * Per-kind summaries of task results, the targets of the eval issue, the
 * results file (eval/results/latest.json) and the printed table.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TaskResult } from './judge.js';
import { TASK_KINDS, type TaskKind } from './tasks.js';

export interface KindSummary {
  /** Tasks judged (skipped ones excluded). */
  tasks: number;
  /** Tasks where the oracle's own edit was unusable (it adds diagnostics): not judged. */
  skipped: number;
  /** The server answered with an edit. */
  answered: number;
  refused: number;
  errors: number;
  /** Tasks whose result matches the oracle (see judge.ts), and that count over `tasks`. */
  matchOracle: number;
  matchOracleRate: number;
  /** tsc errors the edits added, summed over the tasks; and how many tasks added any. */
  newDiagnostics: number;
  tasksWithNewDiagnostics: number;
  /** Tasks answered with an edit that adds no diagnostic, and that count over `tasks` (refusals count against it). */
  clean: number;
  cleanRate: number;
  /** Answered tasks whose changed files parse; the rate is over the answered tasks. */
  syntaxValid: number;
  syntaxValidRate: number;
  /** Fix kinds: the injected error is gone, over `tasks`; and the text is the one before the injection. */
  fixed?: number;
  fixedRate?: number;
  exact?: number;
  /**
   * The model-edit view (issue 12): `finished` the tasks answered with an edit (the server refuses an output that ran
   * into its budget, left the code unchanged or does not parse, with the reason), `parses` = syntaxValid, `tscClean`
   * = clean, `matchesExpected` = matchOracle.
   */
  finished: number;
  parses: number;
  tscClean: number;
  matchesExpected: number;
  /** Latency of the answered tasks, ms. */
  medianMs: number | null;
  p90Ms: number | null;
}

export interface Target {
  kind: TaskKind;
  what: string;
  value: number | null;
  target: string;
  met: boolean | null;
}

export function summarize(results: readonly TaskResult[]): Partial<Record<TaskKind, KindSummary>> {
  const out: Partial<Record<TaskKind, KindSummary>> = {};
  for (const kind of TASK_KINDS) {
    const all = results.filter((r) => r.kind === kind);
    if (all.length === 0) continue;
    const judged = all.filter((r) => r.status !== 'skipped');
    const answered = judged.filter((r) => r.status === 'ok');
    const count = (p: (r: TaskResult) => boolean | undefined) => judged.filter((r) => p(r) === true).length;
    const rate = (n: number, of: number) => (of === 0 ? 0 : round(n / of));
    const ms = answered.map((r) => r.ms).filter((m): m is number => m !== undefined).sort((a, b) => a - b);
    const summary: KindSummary = {
      tasks: judged.length,
      skipped: all.length - judged.length,
      answered: answered.length,
      refused: count((r) => r.status === 'refused'),
      errors: count((r) => r.status === 'error'),
      matchOracle: count((r) => r.matchOracle),
      matchOracleRate: rate(count((r) => r.matchOracle), judged.length),
      newDiagnostics: judged.reduce((n, r) => n + r.newDiagnostics, 0),
      tasksWithNewDiagnostics: count((r) => r.newDiagnostics > 0),
      clean: count((r) => r.status === 'ok' && r.newDiagnostics === 0),
      cleanRate: rate(count((r) => r.status === 'ok' && r.newDiagnostics === 0), judged.length),
      syntaxValid: count((r) => r.status === 'ok' && r.syntaxValid),
      syntaxValidRate: rate(count((r) => r.status === 'ok' && r.syntaxValid), answered.length),
      finished: answered.length,
      parses: count((r) => r.status === 'ok' && r.syntaxValid),
      tscClean: count((r) => r.status === 'ok' && r.newDiagnostics === 0),
      matchesExpected: count((r) => r.matchOracle),
      medianMs: quantile(ms, 0.5),
      p90Ms: quantile(ms, 0.9),
    };
    if (kind === 'fixSpelling' || kind === 'fixSyntax') {
      summary.fixed = count((r) => r.fixed);
      summary.fixedRate = rate(summary.fixed, judged.length);
      summary.exact = count((r) => r.exact);
    }
    out[kind] = summary;
  }
  return out;
}

/** The targets, checked against the summaries present. */
export function checkTargets(byKind: Partial<Record<TaskKind, KindSummary>>): Target[] {
  const targets: Target[] = [];
  const add = (kind: TaskKind, what: string, value: number | undefined, target: string, met: (v: number) => boolean) => {
    if (!byKind[kind]) return;
    targets.push({ kind, what, value: value ?? null, target, met: value === undefined ? null : met(value) });
  };
  for (const kind of ['rename', 'renameExported'] as const) {
    add(kind, 'matchOracleRate', byKind[kind]?.matchOracleRate, '>= 0.98', (v) => v >= 0.98);
    add(kind, 'newDiagnostics', byKind[kind]?.newDiagnostics, '0', (v) => v === 0);
  }
  add('extract', 'cleanRate', byKind.extract?.cleanRate, '>= 0.95', (v) => v >= 0.95);
  add('fixSyntax', 'fixedRate', byKind.fixSyntax?.fixedRate, '>= 0.90', (v) => v >= 0.9);
  for (const kind of ['fixSpelling', 'fixSyntax', 'renameSuggest'] as const) {
    add(kind, 'syntaxValidRate (model edits)', byKind[kind]?.answered ? byKind[kind]?.syntaxValidRate : undefined, '1', (v) => v === 1);
  }
  return targets;
}

/** Writes `value` as JSON through a temporary file, so a reader never sees half a file. */
export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 1) + '\n');
  renameSync(tmp, path);
}

export function table(byKind: Partial<Record<TaskKind, KindSummary>>): string {
  const header = ['kind', 'tasks', 'answered', 'refused', 'match oracle', '+diagnostics', 'clean', 'parse-valid', 'fixed', 'median ms', 'p90 ms'];
  const rows = Object.entries(byKind).map(([kind, s]) => [
    kind,
    String(s.tasks) + (s.skipped ? ` (+${s.skipped} skipped)` : ''),
    String(s.answered),
    String(s.refused + s.errors),
    `${s.matchOracle} (${pct(s.matchOracleRate)})`,
    `${s.newDiagnostics} in ${s.tasksWithNewDiagnostics}`,
    `${s.clean} (${pct(s.cleanRate)})`,
    `${s.syntaxValid}/${s.answered}`,
    s.fixed === undefined ? '' : `${s.fixed} (${pct(s.fixedRate!)})`,
    s.medianMs === null ? '' : s.medianMs.toFixed(1),
    s.p90Ms === null ? '' : s.p90Ms.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function targetLines(targets: readonly Target[]): string {
  return targets.map((t) => `${t.met === null ? '  -' : t.met ? ' ok' : 'MISS'} ${t.kind} ${t.what} = ${t.value ?? 'n/a'} (target ${t.target})`).join('\n');
}

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return round(sorted[i], 1);
}

function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
