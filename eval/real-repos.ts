/**
 * `make eval-real EVAL_REPO="DIR..."`: rename and extract on real
 * repositories, with TypeScript's own rename and extraction as the oracle
 * (issue 13). DIR holds a repository's tsconfig.json; its dependencies need
 * not be installed (its existing errors are the baseline).
 *
 *   node dist/eval/real-repos.js DIR... [--renames N] [--extracts N] [--out FILE] [--timeout-ms 120000]
 *
 * Renames: every n-th identifier of the project's sources (N of them, 200 by
 * default) that TypeScript can rename, renamed through the built server over
 * stdio as an editor asks (prepareRename, rename), compared with
 * findRenameLocations (prefix and suffix text): identical, extra edits
 * (something TypeScript leaves alone is changed), missing edits only, or
 * refused. Extractions: ranges of 1-4 statements of a function body where
 * TypeScript offers "Extract to function in module scope" and its own
 * extraction adds no diagnostic (N of them, spread over the files, 100 by
 * default), extracted through the server's code action with no models (the
 * default name): clean when no diagnostic is added in the file or its
 * importers, counted by file, code and message.
 * The repository's entry in eval/results/real-repos.json (by folder name) is
 * replaced; the others stay.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import ts from 'typescript';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { WorkspaceEdit } from 'vscode-languageserver-protocol';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../engine/shipped-models.js';
import { LspTestClient } from '../tools/lsp-client.js';
import { applyWorkspaceEdit, LspSession, type ServerAnswer } from './lsp-session.js';
import { Oracle, type Texts } from './oracle.js';
import { displayPath, loadExternalProject, type EvalProject } from './projects.js';
import { extractCandidates, pick, type ExtractTask } from './tasks.js';

/** No model loads: extract takes its default name, structurally, and the run measures the edits alone. */
const NO_MODELS = { verifierModel: '/nonexistent/specedit-eval-real/no-model.gguf' };
const TARGETS = { renameIdentical: 0.97, renameExtraEdits: 0, extractClean: 0.98 };
const EXAMPLES = 15;

interface RepoResult {
  name: string;
  commit?: string;
  files: number;
  errorsBefore: number;
  renames: { tasks: number; identical: number; extraEdits: number; missingEdits: number; refused: number; identicalRate: number; examples: string[] };
  extracts: { tasks: number; clean: number; newDiagnostics: number; refused: number; skipped: Record<string, number>; cleanRate: number; examples: string[] };
  seconds: number;
}

async function main(): Promise<void> {
  const root = projectRoot();
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      renames: { type: 'string', default: '200' },
      extracts: { type: 'string', default: '100' },
      out: { type: 'string', default: join(root, 'eval', 'results', 'real-repos.json') },
      'timeout-ms': { type: 'string', default: '120000' },
    },
  });
  if (positionals.length === 0) throw new Error('give one or more repository folders holding a tsconfig.json (make eval-real EVAL_REPO="DIR...")');
  const count = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
    return n;
  };
  const limits = { renames: count('renames', values.renames!), extracts: count('extracts', values.extracts!), timeoutMs: count('timeout-ms', values['timeout-ms']!) };
  for (const dir of positionals) {
    if (!existsSync(join(dir, 'tsconfig.json'))) throw new Error(`${dir} has no tsconfig.json; give the folder that holds the project's configuration`);
    const result = await measure(loadExternalProject(dir), limits);
    save(values.out!, result);
    console.log(summaryLine(result));
    for (const e of [...result.renames.examples, ...result.extracts.examples]) console.log(`  ${e}`);
  }
  console.log(`results: ${values.out}`);
}

async function measure(project: EvalProject, limits: { renames: number; extracts: number; timeoutMs: number }): Promise<RepoResult> {
  const started = performance.now();
  const oracle = new Oracle(project);
  const judge = new DiagnosticJudge(oracle);
  const session = await LspSession.start(new LspTestClient(), project, { processId: process.pid, timeoutMs: limits.timeoutMs, settings: NO_MODELS });
  try {
    const renames = await measureRenames(session, oracle, limits.renames);
    const extracts = await measureExtracts(session, oracle, judge, limits.extracts);
    return { name: project.name, commit: commitOf(project.configDir), files: project.files.length, errorsBefore: judge.errorsBefore(), renames, extracts, seconds: Math.round((performance.now() - started) / 1000) };
  } finally {
    await session.dispose().catch(() => undefined);
  }
}

// ---- rename ----

async function measureRenames(session: LspSession, oracle: Oracle, limit: number): Promise<RepoResult['renames']> {
  const counts = { tasks: 0, identical: 0, extraEdits: 0, missingEdits: 0, refused: 0 };
  const examples: string[] = [];
  const where = (file: string, offset: number, name: string) => `${displayPath(oracle.project, file)}:${offset} ${name}`;
  for (const { file, offset, name } of everyNthIdentifier(oracle, limit)) {
    const expected = oracle.renameLocations(file, offset);
    if (!expected.ok) continue; // TypeScript refuses it too: not a task
    counts.tasks++;
    const newName = name.startsWith('#') ? `#renamed_${name.slice(1)}` : `renamed_${name}`;
    const answer = await session.withOpen(file, oracle.original.get(file)!, (doc) => session.rename(doc, offset, newName));
    if (!answer.ok) {
      counts.refused++;
      if (examples.length < EXAMPLES) examples.push(`rename refused ${where(file, offset, name)}: ${answer.reason.split('\n')[0]}`);
      continue;
    }
    const ours = editsOf(oracle.original, answer.edit);
    const theirs = expected.locations.map((l) => ({ file: l.fileName, start: l.textSpan.start, end: l.textSpan.start + l.textSpan.length }));
    const overlaps = (a: Span, b: Span) => a.file === b.file && a.start <= b.end && b.start <= a.end;
    const extra = ours.filter((e) => !theirs.some((t) => overlaps(e, t)));
    const missing = theirs.filter((t) => !ours.some((e) => overlaps(e, t)));
    const oracleTexts = oracle.rename(file, offset, newName);
    const ourTexts = applyWorkspaceEdit(oracle.original, answer.edit);
    const same = oracleTexts.ok && ourTexts.ok && sameTexts(oracleTexts.texts, ourTexts.texts);
    if (same) counts.identical++;
    else if (extra.length > 0 || missing.length === 0) counts.extraEdits++; // a different text at a place TypeScript changes counts as extra too
    else counts.missingEdits++;
    if (!same && examples.length < EXAMPLES) {
      const at = (s: Span) => `${displayPath(oracle.project, s.file)}:${s.start}`;
      examples.push(`rename differs ${where(file, offset, name)}: ${extra.length} extra (${extra.slice(0, 3).map(at).join(', ')}), ${missing.length} missing (${missing.slice(0, 3).map(at).join(', ')})`);
    }
  }
  return { ...counts, identicalRate: rate(counts.identical, counts.tasks), examples };
}

interface Span {
  file: string;
  start: number;
  end: number;
}

/** N identifiers (names and #private names) spread evenly over the project's sources, in file order. */
function everyNthIdentifier(oracle: Oracle, limit: number): Array<{ file: string; offset: number; name: string }> {
  const all: Array<{ file: string; offset: number; name: string }> = [];
  for (const file of oracle.project.files) {
    const source = oracle.sourceFile(file);
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) all.push({ file, offset: node.getStart(source), name: node.text });
      node.forEachChild(visit);
    };
    visit(source);
  }
  const stride = Math.max(1, Math.floor(all.length / Math.max(1, limit)));
  return all.filter((_, i) => i % stride === 0).slice(0, limit);
}

/** The WorkspaceEdit's text edits as spans of the original texts. */
function editsOf(texts: Texts, edit: WorkspaceEdit): Span[] {
  const spans: Span[] = [];
  const add = (uri: string, edits: readonly { range: { start: { line: number; character: number }; end: { line: number; character: number } } }[]) => {
    const file = fileURLToPath(uri);
    const doc = TextDocument.create(uri, 'typescript', 0, texts.get(file) ?? '');
    for (const e of edits) spans.push({ file, start: doc.offsetAt(e.range.start), end: doc.offsetAt(e.range.end) });
  };
  for (const change of edit.documentChanges ?? []) if ('textDocument' in change) add(change.textDocument.uri, change.edits);
  for (const [uri, edits] of Object.entries(edit.changes ?? {})) add(uri, edits);
  return spans;
}

function sameTexts(a: Texts, b: Texts): boolean {
  return a.size === b.size && [...a].every(([f, t]) => b.get(f) === t);
}

// ---- extract ----

async function measureExtracts(session: LspSession, oracle: Oracle, judge: DiagnosticJudge, limit: number): Promise<RepoResult['extracts']> {
  const skipped: Record<string, number> = {};
  const skip = (why: string) => (skipped[why] = (skipped[why] ?? 0) + 1);
  // TypeScript's own extraction must leave the code clean for the range to count: that is what "accepts" means here.
  // TypeScript's refactor can fail an assertion on a range (a variable declaration it does not expect): not a task.
  const guarded = extractCandidates(oracle.project, oracle).map((candidate) => () => {
    try {
      return candidate();
    } catch (error) {
      return `TypeScript's extraction failed: ${(error as Error).message.split('\n')[0]}`;
    }
  });
  const tasks = pick(guarded, limit, skip).filter((task) => {
    let theirs: ReturnType<Oracle['extract']>;
    try {
      theirs = oracle.extract(task.file, task.range);
    } catch (error) {
      return skip(`TypeScript's extraction failed: ${(error as Error).message.split('\n')[0]}`), false;
    }
    if (!theirs.ok) return skip(`TypeScript: ${theirs.reason}`), false;
    if (judge.added(theirs.texts).length > 0) return skip("TypeScript's own extraction adds a diagnostic"), false;
    return true;
  });
  const counts = { tasks: tasks.length, clean: 0, newDiagnostics: 0, refused: 0 };
  const examples: string[] = [];
  for (const task of tasks) {
    const verdict = await extractOne(session, oracle, judge, task);
    counts[verdict.status]++;
    if (verdict.status !== 'clean' && examples.length < EXAMPLES) examples.push(`extract ${verdict.status} ${displayPath(oracle.project, task.file)}:${task.range.start}-${task.range.end}: ${verdict.detail}`);
  }
  return { ...counts, skipped, cleanRate: rate(counts.clean, counts.tasks), examples };
}

async function extractOne(session: LspSession, oracle: Oracle, judge: DiagnosticJudge, task: ExtractTask): Promise<{ status: 'clean' | 'newDiagnostics' | 'refused'; detail?: string }> {
  const answer: ServerAnswer = await session.withOpen(task.file, oracle.original.get(task.file)!, (doc) => session.codeAction(doc, task.range, 'refactor.extract.function'));
  if (!answer.ok) return { status: 'refused', detail: answer.reason.split('\n')[0] };
  const ours = applyWorkspaceEdit(oracle.original, answer.edit);
  if (!ours.ok) return { status: 'refused', detail: ours.reason };
  const added = judge.added(ours.texts);
  return added.length === 0 ? { status: 'clean' } : { status: 'newDiagnostics', detail: added.slice(0, 2).join(' | ') };
}

/**
 * New diagnostics of an edit: those of the changed files and their
 * importers, less the same files' diagnostics before any edit (by code and
 * message, as a multiset: positions move with the edit).
 */
class DiagnosticJudge {
  private readonly before = new Map<string, string[]>();

  constructor(private readonly oracle: Oracle) {}

  added(texts: Texts): string[] {
    const files = this.oracle.affected(texts.keys());
    // Asked file by file: a diagnostic without a file (a configuration's) belongs to the file it was reported for.
    const after = this.oracle.with(texts, () => files.map((f) => ({ file: f, diagnostics: this.oracle.diagnostics([f]) })));
    const added: string[] = [];
    for (const { file, diagnostics } of after) {
      const known = [...this.baseline(file)];
      for (const d of diagnostics) {
        const at = known.indexOf(keyOf(d));
        if (at >= 0) known.splice(at, 1);
        else added.push(`${displayPath(this.oracle.project, file)}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ').slice(0, 160)}`);
      }
    }
    return added;
  }

  errorsBefore(): number {
    return [...this.before.values()].reduce((n, l) => n + l.length, 0);
  }

  private baseline(file: string): string[] {
    let known = this.before.get(file);
    if (!known) this.before.set(file, (known = this.oracle.diagnostics([file]).map(keyOf)));
    return known;
  }
}

function keyOf(d: ts.Diagnostic): string {
  return `${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
}

// ---- the results file ----

function save(out: string, result: RepoResult): void {
  const previous = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { repos?: RepoResult[] }).repos ?? [] : [];
  const repos = [...previous.filter((r) => r.name !== result.name), result].sort((a, b) => a.name.localeCompare(b.name));
  const sum = (f: (r: RepoResult) => number) => repos.reduce((n, r) => n + f(r), 0);
  const renames = sum((r) => r.renames.tasks);
  const extracts = sum((r) => r.extracts.tasks);
  const totals = {
    renames: { tasks: renames, identical: sum((r) => r.renames.identical), extraEdits: sum((r) => r.renames.extraEdits), identicalRate: rate(sum((r) => r.renames.identical), renames) },
    extracts: { tasks: extracts, clean: sum((r) => r.extracts.clean), cleanRate: rate(sum((r) => r.extracts.clean), extracts) },
  };
  const met = {
    renameIdentical: repos.every((r) => r.renames.identicalRate >= TARGETS.renameIdentical),
    renameExtraEdits: repos.every((r) => r.renames.extraEdits <= TARGETS.renameExtraEdits),
    extractClean: repos.every((r) => r.extracts.cleanRate >= TARGETS.extractClean),
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ generatedAt: new Date().toISOString(), typescript: ts.version, targets: TARGETS, met, totals, repos }, null, 1)}\n`);
}

function summaryLine(r: RepoResult): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return (
    `${r.name}: renames ${r.renames.identical}/${r.renames.tasks} identical (${pct(r.renames.identicalRate)}), ${r.renames.extraEdits} with extra edits, ${r.renames.missingEdits} missing, ${r.renames.refused} refused; ` +
    `extractions ${r.extracts.clean}/${r.extracts.tasks} clean (${pct(r.extracts.cleanRate)}), ${r.extracts.newDiagnostics} with new diagnostics, ${r.extracts.refused} refused; ${r.seconds} s`
  );
}

function rate(n: number, of: number): number {
  return of === 0 ? 1 : Math.round((n / of) * 10000) / 10000;
}

function commitOf(dir: string): string | undefined {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

await main();
