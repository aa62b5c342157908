/**
 * Runs one task through specedit and judges the result against the oracle:
 *   matchOracle     rename: every file's text identical to the oracle's rename;
 *                   extract: the oracle's extraction, modulo formatting and the new function's name;
 *                   fix: the oracle's text modulo formatting (its "Change spelling" fix; for an injected
 *                   syntax error, the text before the injection)
 *   newDiagnostics  tsc errors over the project after the edit, minus before the task's injection
 *   syntaxValid     the changed files parse without errors (TypeScript's parser)
 *   fixed           fix kinds: the injected error is gone (no diagnostic names the misspelling; the file parses)
 *   exact           fix kinds: the text is byte for byte the one before the injection
 * A task whose oracle edit itself adds diagnostics is skipped (nothing to
 * compare against); a refusal by the server is a normal answer that does not
 * match.
 */
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import type { CodeAction, Diagnostic, TextEdit, WorkspaceEdit } from 'vscode-languageserver-protocol';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { canonical, describeDiagnostic, type Oracle, type Texts } from './oracle.js';
import { applyWorkspaceEdit, type LspSession, type ServerAnswer } from './lsp-session.js';
import { displayPath } from './projects.js';
import type { EvalTask, ExtractTask, FixTask, RenameTask, TaskKind } from './tasks.js';

export interface TaskResult {
  id: string;
  kind: TaskKind;
  /** Relative to the repository root. */
  file: string;
  /** ok: the server answered with an edit; refused: it answered why not; error: no usable answer; skipped: no oracle edit to compare with. */
  status: 'ok' | 'refused' | 'error' | 'skipped';
  reason?: string;
  /** Client-side wall time of the requests that produced the edit (prepareRename + rename, or codeAction + resolve). */
  ms?: number;
  matchOracle: boolean;
  newDiagnostics: number;
  syntaxValid?: boolean;
  fixed?: boolean;
  exact?: boolean;
  /** Short evidence for a failed judgement: new diagnostics, the chosen name, the injection. */
  detail?: string[];
}

const LSP_KIND = { extract: 'refactor.extract.function', fix: 'quickfix', suggest: 'refactor.rewrite' } as const;

export async function runTask(session: LspSession, oracle: Oracle, task: EvalTask, baseline: number): Promise<TaskResult> {
  return withoutMachinePaths(await judge(session, oracle, task, baseline), oracle.project.repoRoot);
}

/** Reports carry no machine paths: the repository root is cut from reasons and details (plain and as a file URI). */
function withoutMachinePaths(result: TaskResult, repoRoot: string): TaskResult {
  const roots = [pathToFileURL(repoRoot).href + '/', repoRoot + '/'];
  const clean = (s: string) => roots.reduce((t, r) => t.replaceAll(r, ''), s);
  return { ...result, ...(result.reason ? { reason: clean(result.reason) } : {}), ...(result.detail ? { detail: result.detail.map(clean) } : {}) };
}

async function judge(session: LspSession, oracle: Oracle, task: EvalTask, baseline: number): Promise<TaskResult> {
  const base = { id: task.id, kind: task.kind, file: displayPath(oracle.project, task.file), matchOracle: false, newDiagnostics: 0 };
  try {
    switch (task.kind) {
      case 'rename':
      case 'renameExported':
      case 'renameSuggest':
        return { ...base, ...(await judgeRename(session, oracle, task, baseline)) };
      case 'extract':
        return { ...base, ...(await judgeExtract(session, oracle, task, baseline)) };
      case 'fixSpelling':
      case 'fixSyntax':
        return { ...base, ...(await judgeFix(session, oracle, task, baseline)) };
    }
  } catch (error) {
    return { ...base, status: 'error', reason: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

type Judgement = Omit<TaskResult, 'id' | 'kind' | 'file' | 'matchOracle' | 'newDiagnostics'> & Partial<Pick<TaskResult, 'matchOracle' | 'newDiagnostics'>>;

async function judgeRename(session: LspSession, oracle: Oracle, task: RenameTask, baseline: number): Promise<Judgement> {
  const original = oracle.original.get(task.file)!;
  const { answer, ms } = await timed(session, task.file, original, (doc) =>
    task.newName !== undefined
      ? session.rename(doc, task.offset, task.newName)
      : session.codeAction(doc, { start: task.offset, end: task.offset + task.oldName.length }, LSP_KIND.suggest, [], (a) => a.title.startsWith('Rename')),
  );
  if (!answer.ok) return { status: 'refused', reason: answer.reason, ms };
  const ours = applyWorkspaceEdit(oracle.original, answer.edit);
  if (!ours.ok) return { status: 'error', reason: ours.reason, ms };
  const newName = task.newName ?? chosenName(answer.edit, session.uriOf(task.file), original, task.offset);
  const detail = task.newName === undefined ? [`chose \`${newName ?? '?'}\``] : [];
  const expected = newName === undefined ? undefined : oracle.rename(task.file, task.offset, newName);
  const { diagnostics: _, ...after } = afterEdit(oracle, ours.texts, baseline);
  if (expected && !expected.ok) return { status: 'ok', ms, ...after, reason: `the oracle cannot rename to \`${newName}\`: ${expected.reason}`, detail };
  if (!expected) return { status: 'ok', ms, ...after, reason: 'no new name at the declaration in the edit', detail };
  const matchOracle = sameTexts(oracle, ours.texts, expected.texts);
  if (task.newName !== undefined) {
    // Identical texts have identical diagnostics; only a differing result needs the oracle's own checked.
    const oracleAdds = matchOracle ? after.newDiagnostics : newDiagnosticsOf(oracle, expected.texts, baseline);
    if (oracleAdds > 0) return { status: 'skipped', reason: `the oracle's own rename adds ${oracleAdds} diagnostics`, ms };
  }
  if (!matchOracle) detail.push(...differences(oracle, ours.texts, expected.texts));
  return { status: 'ok', ms, matchOracle, ...after, detail: nonEmpty([...detail, ...(after.detail ?? [])]) };
}

async function judgeExtract(session: LspSession, oracle: Oracle, task: ExtractTask, baseline: number): Promise<Judgement> {
  const expected = oracle.extract(task.file, task.range);
  if (!expected.ok) return { status: 'skipped', reason: `oracle: ${expected.reason}` };
  const oracleAdds = newDiagnosticsOf(oracle, expected.texts, baseline);
  if (oracleAdds > 0) return { status: 'skipped', reason: `the oracle's own extraction adds ${oracleAdds} diagnostics` };
  const original = oracle.original.get(task.file)!;
  const { answer, ms } = await timed(session, task.file, original, (doc) => session.codeAction(doc, task.range, LSP_KIND.extract));
  if (!answer.ok) return { status: 'refused', reason: answer.reason, ms };
  const ours = applyWorkspaceEdit(oracle.original, answer.edit);
  if (!ours.ok) return { status: 'error', reason: ours.reason, ms };
  const { diagnostics: _, ...after } = afterEdit(oracle, ours.texts, baseline);
  const ourText = ours.texts.get(task.file) ?? original;
  const ourName = newTopLevelNames(task.file, original, ourText)[0];
  const normalised = new Map(ours.texts);
  if (ourName && ourName !== expected.functionName) normalised.set(task.file, ourText.replace(new RegExp(`\\b${escapeRegExp(ourName)}\\b`, 'g'), expected.functionName));
  const matchOracle = sameTexts(oracle, normalised, expected.texts, true);
  const detail = matchOracle ? [] : differences(oracle, normalised, expected.texts, true);
  return { status: 'ok', ms, matchOracle, ...after, detail: nonEmpty([...detail, ...(after.detail ?? [])]) };
}

async function judgeFix(session: LspSession, oracle: Oracle, task: FixTask, baseline: number): Promise<Judgement> {
  const original = oracle.original.get(task.file)!;
  const injected = new Map([[task.file, task.text]]);
  const expectedText = task.kind === 'fixSpelling' ? oracleSpellingFix(oracle, task) ?? original : original;
  let started = 0;
  let ms: number | undefined;
  const answer = await session.withOpen(task.file, task.text, async (doc): Promise<ServerAnswer> => {
    const diagnostic = task.kind === 'fixSpelling' ? clientDiagnostic(doc, task) : nearest(await session.publishedDiagnostics(doc), doc, task.injected.start);
    if (!diagnostic) return { ok: false, reason: 'specedit published no syntax diagnostic for the injected error' };
    const message = diagnostic.message;
    started = performance.now();
    const result = await session.codeAction(doc, offsetsOf(doc, diagnostic), LSP_KIND.fix, [diagnostic], (a: CodeAction) => a.diagnostics?.[0]?.message === message);
    ms = roundMs(performance.now() - started);
    return result;
  });
  const detail = [task.injection];
  if (!answer.ok) return { status: 'refused', reason: answer.reason, ms, detail };
  const ours = applyWorkspaceEdit(injected, answer.edit);
  if (!ours.ok) return { status: 'error', reason: ours.reason, ms, detail };
  const ourText = ours.texts.get(task.file) ?? task.text;
  const texts = new Map([[task.file, ourText], ...[...ours.texts].filter(([f]) => f !== task.file)]);
  const after = afterEdit(oracle, texts, baseline);
  const wrong = task.kind === 'fixSpelling' ? task.injection.split(' -> ')[1] : undefined;
  const fixed = after.syntaxValid && (wrong === undefined || !after.diagnostics.some((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ').includes(`'${wrong}'`)));
  const matchOracle = canonical(task.file, ourText) === canonical(task.file, expectedText);
  if (!matchOracle) detail.push(...differences(oracle, texts, new Map([[task.file, expectedText]])));
  return { status: 'ok', ms, matchOracle, fixed, exact: ourText === original, newDiagnostics: after.newDiagnostics, syntaxValid: after.syntaxValid, detail: nonEmpty([...detail, ...(after.detail ?? [])]) };
}

/** tsc's diagnostics and parse validity after an edit, relative to the project's clean baseline. */
function afterEdit(oracle: Oracle, texts: Texts, baseline: number): { newDiagnostics: number; syntaxValid: boolean; detail?: string[]; diagnostics: ts.Diagnostic[] } {
  const diagnostics = oracle.with(texts, () => oracle.diagnostics(oracle.affected(texts.keys())));
  const syntaxValid = [...texts].every(([f, t]) => oracle.syntaxErrors(f, t).length === 0);
  const newDiagnostics = Math.max(0, diagnostics.length - baseline);
  const detail = newDiagnostics > 0 ? diagnostics.slice(0, 3).map((d) => describeDiagnostic(d, (f) => f)) : undefined;
  return { newDiagnostics, syntaxValid, detail, diagnostics };
}

function newDiagnosticsOf(oracle: Oracle, texts: Texts, baseline: number): number {
  return Math.max(0, oracle.with(texts, () => oracle.diagnostics(oracle.affected(texts.keys())).length) - baseline);
}

async function timed(session: LspSession, file: string, text: string, fn: (doc: TextDocument) => Promise<ServerAnswer>): Promise<{ answer: ServerAnswer; ms: number }> {
  return session.withOpen(file, text, async (doc) => {
    const started = performance.now();
    const answer = await fn(doc);
    return { answer, ms: roundMs(performance.now() - started) };
  });
}

/** The oracle's "Change spelling to 'x'" fix applied to the injected text. */
function oracleSpellingFix(oracle: Oracle, task: FixTask): string | undefined {
  const d = task.diagnostic!;
  return oracle.with(new Map([[task.file, task.text]]), () => {
    const [fix] = oracle.codeFixes(task.file, d.range, d.code).filter((f) => f.fixName === 'spelling');
    return fix ? oracle.applyCodeFix(fix).get(task.file) : undefined;
  });
}

/** The diagnostic an editor running typescript-language-server would send for the misspelling. */
function clientDiagnostic(doc: TextDocument, task: FixTask): Diagnostic {
  const d = task.diagnostic!;
  return { range: { start: doc.positionAt(d.range.start), end: doc.positionAt(d.range.end) }, message: d.message, source: 'typescript', code: d.code, severity: 1 };
}

/** The published diagnostic closest to where the error was injected (where the user would look). */
function nearest(diagnostics: Diagnostic[], doc: TextDocument, offset: number): Diagnostic | undefined {
  const distance = (d: Diagnostic) => {
    const { start, end } = offsetsOf(doc, d);
    return offset < start ? start - offset : offset > end ? offset - end : 0;
  };
  return [...diagnostics].sort((a, b) => distance(a) - distance(b))[0];
}

function offsetsOf(doc: TextDocument, d: Diagnostic): { start: number; end: number } {
  return { start: doc.offsetAt(d.range.start), end: doc.offsetAt(d.range.end) };
}

/** The name a rename without a name chose: the new text of the edit at the declaration (`x: y` for a shorthand gives `y`). */
function chosenName(edit: WorkspaceEdit, uri: string, text: string, offset: number): string | undefined {
  const edits: TextEdit[] = [
    ...(edit.documentChanges ?? []).flatMap((c) => ('textDocument' in c && c.textDocument.uri === uri ? (c.edits as TextEdit[]) : [])),
    ...(edit.changes?.[uri] ?? []),
  ];
  for (const e of edits) {
    const lines = text.split('\n');
    const start = lines.slice(0, e.range.start.line).reduce((n, l) => n + l.length + 1, 0) + e.range.start.character;
    const end = lines.slice(0, e.range.end.line).reduce((n, l) => n + l.length + 1, 0) + e.range.end.character;
    if (start <= offset && offset < Math.max(end, start + 1)) return /[A-Za-z_$][\w$]*$/.exec(e.newText)?.[0];
  }
  return undefined;
}

/** Names declared at the top level of `after` that `before` does not declare: the function an extraction added. */
function newTopLevelNames(file: string, before: string, after: string): string[] {
  const names = (text: string) => {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
    const out: string[] = [];
    for (const s of source.statements) {
      if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name) out.push(s.name.text);
      if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) out.push(d.name.text);
    }
    return out;
  };
  const old = new Set(names(before));
  return names(after).filter((n) => !old.has(n));
}

function sameTexts(oracle: Oracle, ours: Texts, expected: Texts, moduloFormatting = false): boolean {
  for (const f of oracle.project.files) {
    const a = ours.get(f) ?? oracle.original.get(f)!;
    const b = expected.get(f) ?? oracle.original.get(f)!;
    if (moduloFormatting ? canonical(f, a) !== canonical(f, b) : a !== b) return false;
  }
  return true;
}

/** The first differing line of each file that differs, ours against the oracle's. */
function differences(oracle: Oracle, ours: Texts, expected: Texts, moduloFormatting = false): string[] {
  const out: string[] = [];
  for (const f of oracle.project.files) {
    let a = ours.get(f) ?? oracle.original.get(f)!;
    let b = expected.get(f) ?? oracle.original.get(f)!;
    if (moduloFormatting) [a, b] = [canonical(f, a), canonical(f, b)];
    if (a === b) continue;
    const la = a.split('\n');
    const lb = b.split('\n');
    const i = la.findIndex((l, k) => l !== lb[k]);
    const line = i < 0 ? la.length : i;
    out.push(`${f.split('/').pop()}:${line + 1}: ours ${JSON.stringify((la[line] ?? '<end>').trim())} oracle ${JSON.stringify((lb[line] ?? '<end>').trim())}`);
  }
  return out;
}

function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function nonEmpty(list: string[]): string[] | undefined {
  return list.length > 0 ? list : undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[$.*+?^()[\]{}|\\]/g, '\\$&');
}
